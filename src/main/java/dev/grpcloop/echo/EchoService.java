package dev.grpcloop.echo;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import java.util.concurrent.ThreadFactory;

/** The Go article's echo service, {@code echo.EchoService}, written as the article's loop. */
public final class EchoService implements BindableService {

  // snippet:echo-loop
  static void echoStream(ServerStream<Message, Message> stream) throws Exception {
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

  @Override
  public ServerServiceDefinition bindService() {
    // snippet:echo-bind
    return BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
        BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(),
            EchoService::echoStream));
    // end-snippet
  }

  /**
   * The same service with each call's handler on a thread from {@code handlerThreads}, for a server
   * that names, counts or limits its handler threads (the hardening tests count them).
   */
  public static ServerServiceDefinition bindService(ThreadFactory handlerThreads) {
    return BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
        BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(),
            EchoService::echoStream, BlockingServerCalls.Options.DEFAULT.withThreads(handlerThreads)));
  }
}
