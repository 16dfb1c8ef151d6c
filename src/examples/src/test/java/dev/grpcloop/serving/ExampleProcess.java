package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An example's main class run in a JVM of its own, as a user runs it: lines typed on its standard
 * input, its standard output read line by line. Killed at close if it is still running.
 */
public final class ExampleProcess implements AutoCloseable {
  /** How long any single wait on the process may take. */
  public static final long WAIT_SECONDS = 20;

  private static final String EOF = new String("end of output");

  private final Process process;
  private final PrintStream stdin;
  private final LinkedBlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();

  private ExampleProcess(Process process) {
    this.process = process;
    this.stdin = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread.ofVirtual().name("stdout-" + process.pid())
        .start(() -> readLines(process.getInputStream()));
  }

  /** Starts {@code main} with {@code args} on this test's JDK and class path; drops stderr. */
  public static ExampleProcess start(Class<?> main, String... args) throws IOException {
    return start(java(List.of(), main, args));
  }

  /** Runs {@code command}, dropping its stderr. */
  public static ExampleProcess start(List<String> command) throws IOException {
    return new ExampleProcess(new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start());
  }

  /** Runs {@code command}, its stderr read as part of its output, interleaved by line. */
  public static ExampleProcess startWithErrors(List<String> command) throws IOException {
    return new ExampleProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
  }

  /**
   * The command that runs {@code main} with {@code args} on this test's JDK and class path, with
   * {@code jvmFlags} (system properties, say) before the class name.
   */
  public static List<String> java(List<String> jvmFlags, Class<?> main, String... args) {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElseThrow(),
        "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path")));
    command.addAll(jvmFlags);
    command.add(main.getName());
    command.addAll(List.of(args));
    return command;
  }

  private void readLines(InputStream in) {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        stdout.add(line);
      }
    } catch (IOException e) {
      stdout.add("(reading the output failed: " + e + ")");
    } finally {
      stdout.add(EOF);
    }
  }

  /** Types a line on the process's standard input. */
  public void type(String line) {
    stdin.println(line);
  }

  /** Closes the process's standard input (Ctrl-D). */
  public void endInput() {
    stdin.close();
  }

  /** Waits for an output line that matches, skipping others, and returns it. */
  public String awaitLine(Predicate<String> wanted) throws InterruptedException {
    for (;;) {
      String line = stdout.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(line).as("a wanted line within %d s; seen: %s", WAIT_SECONDS, seen).isNotNull();
      assertThat(line).as("a wanted line before the output ended; seen: %s", seen).isNotSameAs(EOF);
      seen.add(line);
      if (wanted.test(line)) {
        return line;
      }
    }
  }

  /** The output lines {@link #awaitLine} has read so far, those it skipped too. */
  public List<String> seenLines() {
    return List.copyOf(seen);
  }

  /** Every output line until the process closes its output. */
  public List<String> remainingLines() throws InterruptedException {
    List<String> lines = new ArrayList<>();
    for (;;) {
      String line = stdout.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(line).as("the output ends within %d s; seen: %s", WAIT_SECONDS, lines).isNotNull();
      if (line == EOF) {
        return lines;
      }
      lines.add(line);
    }
  }

  /** Waits for the process to exit and returns its exit code. */
  public int awaitExit() throws InterruptedException {
    assertThat(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS))
        .as("the process exits within %d s", WAIT_SECONDS).isTrue();
    return process.exitValue();
  }

  /**
   * SIGTERM: the JVM runs its shutdown hooks, as for Ctrl-C. Through the process handle, because
   * {@code Process.destroy} also closes the pipes, and the end of input would be seen first.
   */
  public void stop() {
    process.toHandle().destroy();
  }

  /** SIGKILL: no shutdown hooks, the connection just drops. Its output can still be read. */
  public void kill() {
    process.toHandle().destroyForcibly();
  }

  /** The process's id. */
  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the test is being stopped: let it see why
      }
    }
  }
}
