package dev.grpcloop.hardening;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * Client calls to the echo service that leave its handler blocked, each tagged with a {@link
 * CallRecorder#CALL_ID} so that a test can watch the server side.
 */
final class EchoClients {
  private EchoClients() {}

  /**
   * A channel whose HTTP/2 flow-control window is a single byte: a server that sends it a big
   * message can complete no write on a stream until the client reads, so the first time the
   * server's isReady() is false it stays false while the client does not read.
   */
  static ManagedChannel stingyChannel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .flowControlWindow(1)
        .build();
  }

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
   * Floods the stream with big messages from a sender thread and never reads: the server's send()
   * blocks, and then so does the client's send. On a {@link #stingyChannel}, the server call's
   * {@link RecordedCall#notReady} tells when the handler waits in send() for good.
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
