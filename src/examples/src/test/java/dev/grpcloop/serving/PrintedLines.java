package dev.grpcloop.serving;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A PrintStream for a client under test to print to, and the lines it printed. */
public final class PrintedLines {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  /** The stream to hand the client. */
  public final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  /** Everything printed so far, line by line. */
  public List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  /** A port that nothing listens on (it did not a moment ago). */
  public static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
