package dev.grpcloop.echo;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ServerServiceDefinition;
import java.util.concurrent.ThreadFactory;

/**
 * The Go article's echo service, {@code echo.EchoService}, written as the article's loop on the
 * blocking API generated from {@code proto/echo.proto} ({@link EchoServiceLoop}).
 */
// snippet:echo-service
public final class EchoService extends EchoServiceLoop.ImplBase {
  // end-snippet

  // snippet:echo-loop
  @Override
  public void echoStream(ServerStream<Message, Message> stream) throws Exception {
    // Loop until the client closes the stream or an error occurs (recv and send throw).
    for (;;) {
      // Block until a message arrives or the stream ends.
      Message msg = stream.recv();
      if (msg == null) {
        // Client finished sending. Clean exit.
        return;
      }
      // Echo the message back immediately.
      stream.send(Message.newBuilder().setText(msg.getText()).build());
    }
  }
  // end-snippet

  /**
   * The same service with each call's handler on a thread from {@code handlerThreads}, for a server
   * that names, counts or limits its handler threads (the hardening tests count them).
   */
  public static ServerServiceDefinition bindService(ThreadFactory handlerThreads) {
    return EchoServiceLoop.bindService(new EchoService(),
        BlockingServerCalls.Options.DEFAULT.withThreads(handlerThreads));
  }
}
