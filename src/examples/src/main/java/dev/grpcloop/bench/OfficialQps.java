package dev.grpcloop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs grpc-java's own benchmark client, {@code io.grpc.benchmarks.qps.AsyncClient} (grpc-benchmarks
 * at the pom's bench.tools.version, on its own classpath), against a server, and reads the figures
 * it prints: over streams ({@code --streaming_rpcs}: request and response on a stream kept open),
 * or as unary calls (a new call per request and response).
 */
final class OfficialQps {
  private OfficialQps() {}

  /** AsyncClient's output lines and the figure each becomes. */
  private static final Map<String, String> FIGURES = new LinkedHashMap<>();

  static {
    FIGURES.put("QPS", "qps");
    FIGURES.put("50%ile Latency (in micros)", "p50_us");
    FIGURES.put("90%ile Latency (in micros)", "p90_us");
    FIGURES.put("99%ile Latency (in micros)", "p99_us");
    FIGURES.put("99.9%ile Latency (in micros)", "p999_us");
  }

  private static final Pattern LINE = Pattern.compile("^(.+?):\\s+(\\d+)$");

  /** The AsyncClient command line, the same for every server but the port. */
  static List<String> command(BenchOptions o, int port, boolean streaming) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "--enable-native-access=ALL-UNNAMED"));
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.add("-cp");
    command.add(o.toolsDir().resolve("*").toString());
    command.add("io.grpc.benchmarks.qps.AsyncClient");
    command.add("--address=127.0.0.1:" + port);
    if (streaming) {
      command.add("--streaming_rpcs");
    }
    command.add("--transport=netty_epoll");
    command.add("--channels=" + o.qpsChannels());
    command.add("--outstanding_rpcs=" + o.qpsOutstanding());
    command.add("--client_payload=" + o.qpsPayload());
    command.add("--server_payload=" + o.qpsPayload());
    command.add("--warmup_duration=" + o.qpsWarmupSeconds());
    command.add("--duration=" + o.qpsSeconds());
    return command;
  }

  /**
   * Runs AsyncClient once against {@code port}; returns its figures by name (qps, p50_us, p90_us,
   * p99_us, p999_us). Its whole output is appended to {@code log}.
   */
  static Map<String, Double> run(BenchOptions o, int port, boolean streaming, Path log)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("asyncclient", ".out");
    try {
      Process client = new ProcessBuilder(command(o, port, streaming))
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .start();
      long limit = o.qpsWarmupSeconds() + o.qpsSeconds() + 60L;
      if (!client.waitFor(limit, TimeUnit.SECONDS)) {
        client.destroyForcibly();
        client.waitFor(10, TimeUnit.SECONDS);
        throw new IOException("AsyncClient did not finish within " + limit + " s");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      Files.createDirectories(log.getParent());
      Files.writeString(log, text, StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      if (client.exitValue() != 0) {
        throw new IOException("AsyncClient exited with " + client.exitValue() + "; see " + log);
      }
      return parse(text, log);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Reads AsyncClient's summary lines ("QPS:   12345" and the latency percentiles). */
  static Map<String, Double> parse(String text, Path log) throws IOException {
    Map<String, Double> figures = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = LINE.matcher(line.trim());
      if (m.matches() && FIGURES.containsKey(m.group(1).trim())) {
        figures.put(FIGURES.get(m.group(1).trim()), Double.parseDouble(m.group(2)));
      }
    }
    if (figures.size() != FIGURES.size()) {
      throw new IOException("AsyncClient printed no complete summary; see " + log);
    }
    // Keep the figures in one order whatever the output's order.
    Map<String, Double> ordered = new LinkedHashMap<>();
    for (String name : FIGURES.values()) {
      ordered.put(name, figures.get(name));
    }
    return ordered;
  }
}
