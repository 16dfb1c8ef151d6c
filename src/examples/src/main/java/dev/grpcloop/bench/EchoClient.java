package dev.grpcloop.bench;

import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * What the benchmark's echo clients share: the method, messages of an exact wire size, and the
 * channel. The clients use grpc's ClientCall directly and only count and time in its callbacks, so
 * that the client costs as little as it can and the same against every server.
 */
final class EchoClient {
  private EchoClient() {}

  static final MethodDescriptor<Message, Message> ECHO = EchoServiceGrpc.getEchoStreamMethod();

  /**
   * A message that is exactly {@code wireBytes} long once serialised: a tag byte, a length byte,
   * and the text.
   */
  static Message message(int wireBytes) {
    if (wireBytes < 2 || wireBytes > 129) {
      throw new IllegalArgumentException("wire size must be 2..129 bytes: " + wireBytes);
    }
    Message m = Message.newBuilder().setText("x".repeat(wireBytes - 2)).build();
    if (m.getSerializedSize() != wireBytes) {
      throw new AssertionError("message is " + m.getSerializedSize() + " bytes, not " + wireBytes);
    }
    return m;
  }

  /**
   * A plaintext channel to a loopback port. Callbacks run on the transport thread
   * (directExecutor): they only count, time and signal.
   */
  static ManagedChannel channel(int port) {
    return builder(port).build();
  }

  /** The builder of {@link #channel}, for a channel that needs more configuration. */
  static NettyChannelBuilder builder(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .directExecutor();
  }

  /** Shuts a channel down and waits a bounded time for it; forces it if it does not stop. */
  static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
