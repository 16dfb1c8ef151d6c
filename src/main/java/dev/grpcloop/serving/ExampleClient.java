package dev.grpcloop.serving;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/**
 * What every example client shares: a plaintext channel to {@code --host} (default localhost) and
 * {@code --port} (default 50051), the options an example server listens on.
 */
public final class ExampleClient {
  private ExampleClient() {}

  /** The host examples connect to unless told otherwise. */
  public static final String DEFAULT_HOST = "localhost";

  /** A channel to the server named by {@code --host} and {@code --port}. Never blocks. */
  public static ManagedChannel channel(CommandLine commandLine) {
    return Grpc.newChannelBuilderForAddress(
            commandLine.option("--host", DEFAULT_HOST), commandLine.port(),
            InsecureChannelCredentials.create())
        .build();
  }

  /**
   * Shuts the channel down, giving calls still running a second to send what they have (a cancel,
   * a half-close) before the connection goes.
   */
  public static void close(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
