package dev.grpcloop.hardening;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusException;

/**
 * Client calls to the echo service that leave its handler blocked, each tagged with a {@link
 * CallRecorder#CALL_ID} so that a test can watch the server side.
 */
final class EchoClients {
  private EchoClients() {}

  /** A message of about {@code bytes} bytes: a few fill an HTTP/2 flow-control window. */
  static Message big(int bytes) {
    return Message.newBuilder().setText("x".repeat(bytes)).build();
  }

  /** Opens an echo stream tagged {@code id}. */
  static ClientStream<Message, Message> open(Channel channel, String id, CallOptions options) {
    Metadata headers = new Metadata();
    headers.put(CallRecorder.CALL_ID, id);
    return BlockingClientCalls.bidiStreaming(
        channel, EchoServiceGrpc.getEchoStreamMethod(), options, headers);
  }

  /**
   * Sends one message and receives its echo, then leaves the stream open: the server's handler has
   * looped back into recv(), where it waits for a message that will never come.
   */
  static ClientStream<Message, Message> leaveHandlerInRecv(
      Channel channel, String id, CallOptions options)
      throws InterruptedException, StatusException {
    ClientStream<Message, Message> stream = open(channel, id, options);
    stream.send(Message.newBuilder().setText("hello").build());
    Message echo = stream.recv();
    if (echo == null || !echo.getText().equals("hello")) {
      throw new AssertionError("expected the echo of hello, got " + echo);
    }
    return stream;
  }

  /**
   * Floods the stream with big messages from a sender thread and never reads: the echoes fill the
   * client's flow-control window, the server's send() blocks, and then so does the client's send.
   * Wait for the server call's {@link RecordedCall#notReady} to know the handler is in send().
   */
  static ClientStream<Message, Message> leaveHandlerInSend(
      Channel channel, String id, CallOptions options) {
    ClientStream<Message, Message> stream = open(channel, id, options);
    Message big = big(64 * 1024);
    stream.startSender(() -> {
      while (stream.send(big)) {
        // keep sending until the call is over
      }
    });
    return stream;
  }
}
