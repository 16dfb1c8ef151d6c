package dev.grpcloop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.LogManager;

/**
 * The test JVM's java.util.logging configuration, named by {@code
 * -Djava.util.logging.config.class} in the pom's surefire argLine: {@code logging.properties} from
 * the test class path, which sends every record (grpc's, Netty's inside grpc, the adapter's) to
 * {@code target/test-logs/} instead of the console. The fault tests make grpc and the adapter log
 * WARNINGs with stack traces on purpose; in a file, a passing run reads as one. A failing test is
 * still reported by surefire, and its log is in that file.
 *
 * <p>A class rather than {@code java.util.logging.config.file}: the FileHandler needs its
 * directory to exist, and this makes it first.
 */
public final class TestLogging {
  /** Where the log goes, relative to the working directory: the project's, under surefire. */
  static final Path DIRECTORY = Path.of("target", "test-logs");

  /** Called by the LogManager when the JVM first logs. */
  public TestLogging() throws IOException {
    Files.createDirectories(DIRECTORY);
    try (InputStream properties = TestLogging.class.getResourceAsStream("/logging.properties")) {
      if (properties == null) {
        throw new IOException("logging.properties is not on the test class path");
      }
      LogManager.getLogManager().readConfiguration(properties);
    }
  }
}
