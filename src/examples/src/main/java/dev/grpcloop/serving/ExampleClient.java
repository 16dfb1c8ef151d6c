package dev.grpcloop.serving;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What every example client shares: a channel to {@code --host} (default localhost) and {@code
 * --port} (default 50051), the options an example server listens on, plaintext or, with {@code
 * --tls-ca CA.pem}, TLS ({@link ExampleTls}); and the exit codes that let a script tell how it
 * went ({@link #OK}, {@link #CALL_FAILED}, {@link #BAD_OPTIONS}).
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
  public static final Set<String> OPTIONS = Set.of("--host", "--port", ExampleTls.CA);

  /** {@link #OPTIONS} and a client's own {@code more}. */
  public static Set<String> options(String... more) {
    Set<String> all = new HashSet<>(OPTIONS);
    all.addAll(List.of(more));
    return Set.copyOf(all);
  }

  /**
   * A channel to the server named by {@code --host} and {@code --port}, over TLS if {@code
   * --tls-ca} names the certificates to trust. Never blocks.
   *
   * @throws IllegalArgumentException if the command line is wrong (a port that is not one, a CA
   *     file that cannot be read), with a message fit to show the user
   */
  public static ManagedChannel channel(CommandLine commandLine) {
    return Grpc.newChannelBuilderForAddress(
            commandLine.option("--host", DEFAULT_HOST), commandLine.port(),
            ExampleTls.channelCredentials(commandLine))
        .build();
  }

  /**
   * A status on one line, for a user: {@code UNAVAILABLE: io exception (finishConnect(..) failed
   * with error(-111): Connection refused: localhost/127.0.0.1:50051)}. The causes say what the
   * description leaves out: the first cause's message, and the root cause's where it adds to it
   * (for a TLS failure, why the certificate was not trusted).
   */
  public static String describe(Status status) {
    StringBuilder line = new StringBuilder(status.getCode().toString());
    if (status.getDescription() != null) {
      line.append(": ").append(firstLine(status.getDescription()));
    }
    Throwable cause = status.getCause();
    if (cause != null) {
      Throwable root = cause;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String first = firstLine(String.valueOf(cause.getMessage()));
      String last = firstLine(String.valueOf(root.getMessage()));
      line.append(" (").append(first.contains(last) ? first : first + ": " + last).append(")");
    }
    return line.toString();
  }

  /** The first line of {@code text}, and at most 200 characters of it. */
  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    String line = newline < 0 ? text : text.substring(0, newline);
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
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
