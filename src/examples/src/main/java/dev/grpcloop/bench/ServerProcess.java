package dev.grpcloop.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server JVM forked by the benchmark: either a {@link BenchServer}, which answers commands on
 * its standard input, or grpc-java's reference AsyncServer, which only listens. Standard error goes
 * to a log file; standard output is read line by line.
 */
final class ServerProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern OUR_PORT = Pattern.compile("^port (\\d+)$");
  private static final Pattern REFERENCE_PORT = Pattern.compile("^QPS Server started on .*:(\\d+)$");

  final ServerKind kind;
  private final Process process;
  private final Writer commands;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final int port;

  private ServerProcess(ServerKind kind, Process process, Pattern portLine) throws IOException {
    this.kind = kind;
    this.process = process;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readLines, "bench-server-stdout-" + kind.name());
    reader.setDaemon(true);
    reader.start();
    this.port = awaitPort(portLine);
  }

  /** Starts {@code kind} in a new JVM and waits until it listens. */
  static ServerProcess start(ServerKind kind, BenchOptions options, Path log) throws IOException {
    return start(kind, options, log, List.of());
  }

  /** Starts {@code kind} in a new JVM with {@code extraFlags} and waits until it listens. */
  static ServerProcess start(ServerKind kind, BenchOptions options, Path log,
      List<String> extraFlags) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags(options));
    if (kind.runsHandlerThreads()) {
      command.addAll(ADAPTER_FLAGS);
    }
    command.addAll(extraFlags);
    if (kind.isReference()) {
      command.add("-cp");
      command.add(options.toolsDir().resolve("*").toString());
      command.add("io.grpc.benchmarks.qps.AsyncServer");
      command.add("--address=127.0.0.1:0");
      // Our servers use grpc-netty-shaded's default transport on Linux, epoll: match it.
      command.add("--transport=netty_epoll");
      if (kind == ServerKind.QPS_REFERENCE_DIRECT) {
        command.add("--directexecutor");
      }
    } else {
      command.add("--add-opens=java.base/jdk.internal.vm=ALL-UNNAMED");
      if (kind.eventLoopMode()) {
        command.add(EVENTLOOP_FLAG); // a scheduler of its own for each handler thread
      }
      command.add("-cp");
      command.add(options.classpath());
      command.add(BenchServer.class.getName());
      command.add(kind.name());
    }
    Files.createDirectories(log.getParent());
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    try {
      return new ServerProcess(kind, process, kind.isReference() ? REFERENCE_PORT : OUR_PORT);
    } catch (IOException | RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /**
   * The adapter's servers run as the README recommends: grpc-netty on Netty's unpooled allocator,
   * so that a handler's thread, which calls sendMessage, keeps no Netty thread-local cache. The raw
   * servers keep grpc's defaults: what users run today.
   */
  static final List<String> ADAPTER_FLAGS = List.of(
      "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled",
      "-Dio.grpc.netty.useCustomAllocator=false");

  /** What dev.grpcloop.eventloop needs to schedule handler threads on the event loops. */
  static final String EVENTLOOP_FLAG = "--add-opens=java.base/java.lang=ALL-UNNAMED";

  /** The flags of every server JVM: the same heap for all, so that no server has more room. */
  static List<String> jvmFlags(BenchOptions options) {
    List<String> flags = new ArrayList<>(List.of(
        "-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "--enable-native-access=ALL-UNNAMED"));
    if (Runtime.version().feature() >= 23) {
      // netty 4.1 in the reference tools uses sun.misc.Unsafe; keep JDK 23+'s warning quiet.
      flags.add("--sun-misc-unsafe-memory-access=allow");
    }
    flags.addAll(options.serverJvmArgs());
    return flags;
  }

  /** The loopback port the server listens on. */
  int port() {
    return port;
  }

  /** Sends one command to a {@link BenchServer} and returns its one-line answer. */
  String command(String line, Duration timeout) throws IOException, InterruptedException {
    if (kind.isReference()) {
      throw new IllegalStateException(kind + " takes no commands");
    }
    commands.write(line + "\n");
    commands.flush();
    String answer = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (answer == null) {
      throw new IOException(kind + " did not answer '" + line + "' within " + timeout);
    }
    if (answer.startsWith("error")) {
      throw new IOException(kind + " answered '" + line + "' with: " + answer);
    }
    return answer;
  }

  /**
   * Asks the server to quit, and ends it by force if it does not within a few seconds (at once if
   * this thread is interrupted, whose interrupt then stays set).
   */
  @Override
  public void close() {
    try {
      if (kind.isReference()) {
        process.destroy();
      } else {
        commands.write("quit\n");
        commands.flush();
      }
    } catch (IOException e) {
      // The process has already gone (its stdin is closed): waiting below is all that is left.
      process.destroy();
    }
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private int awaitPort(Pattern portLine) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    try {
      for (;;) {
        long left = deadline - System.nanoTime();
        String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          throw new IOException(kind + " printed no port within " + START_TIMEOUT
              + (process.isAlive() ? "" : "; it exited with " + process.exitValue()));
        }
        Matcher m = portLine.matcher(line.trim());
        if (m.matches()) {
          return Integer.parseInt(m.group(1));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while " + kind + " was starting", e);
    }
  }

  private void readLines() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("error reading the server's output: " + e);
    }
  }
}
