package dev.grpcloop.serving;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What every example client shares: a plaintext channel to {@code --host} (default localhost) and
 * {@code --port} (default 50051), the options an example server listens on, and the exit codes
 * that let a script tell how it went ({@link #OK}, {@link #CALL_FAILED}, {@link #BAD_OPTIONS}).
 */
public final class ExampleClient {
  private ExampleClient() {}

  /** The host examples connect to unless told otherwise. */
  public static final String DEFAULT_HOST = "localhost";

  /** Exit code: everything worked. */
  public static final int OK = 0;

  /** Exit code: a call failed (no server, refused, ended with an error), after a line saying so. */
  public static final int CALL_FAILED = 1;

  /** Exit code: the command line was wrong, after a line saying why and one with the usage. */
  public static final int BAD_OPTIONS = 2;

  /** The options every example client takes. */
  public static final Set<String> OPTIONS = Set.of("--host", "--port");

  /** {@link #OPTIONS} and a client's own {@code more}. */
  public static Set<String> options(String... more) {
    Set<String> all = new HashSet<>(OPTIONS);
    all.addAll(List.of(more));
    return Set.copyOf(all);
  }

  /** A channel to the server named by {@code --host} and {@code --port}. Never blocks. */
  public static ManagedChannel channel(CommandLine commandLine) {
    return Grpc.newChannelBuilderForAddress(
            commandLine.option("--host", DEFAULT_HOST), commandLine.port(),
            InsecureChannelCredentials.create())
        .build();
  }

  /**
   * A status on one line, for a user: {@code UNAVAILABLE: io exception (Connection refused:
   * localhost/127.0.0.1:50051)}. The cause's message says what the description leaves out.
   */
  public static String describe(Status status) {
    StringBuilder line = new StringBuilder(status.getCode().toString());
    if (status.getDescription() != null) {
      line.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      line.append(" (").append(status.getCause().getMessage()).append(")");
    }
    return line.toString();
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
