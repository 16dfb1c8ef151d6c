package dev.grpcloop.echo;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;

/** The Go article's echo service, {@code echo.EchoService}, written as the article's loop. */
public final class EchoService implements BindableService {

  /**
   * The handler: echoes every message until the client finishes sending. Public so that other
   * bindings (a different thread factory, the benchmarks) can reuse the very same loop.
   */
  // snippet:echo-loop
  public static void echoStream(ServerStream<Message, Message> stream) throws Exception {
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
    return ServerServiceDefinition.builder(EchoServiceGrpc.getServiceDescriptor())
        .addMethod(EchoServiceGrpc.getEchoStreamMethod(),
            BlockingServerCalls.bidiStreaming(EchoService::echoStream))
        .build();
    // end-snippet
  }
}
