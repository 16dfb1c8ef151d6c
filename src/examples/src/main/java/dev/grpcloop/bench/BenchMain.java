package dev.grpcloop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark: the adapter (also in the event-loop mode) against raw grpc-java StreamObserver
 * code, side by side in one run (issue 7); and the adapter's client against grpc-java's blocking
 * and async clients. Run it with {@code ./mvnw -q -B compile invoker:run@bench-tools
 * exec:exec@bench}; add {@code -Dbench.quick} for a run of a few minutes. {@link BenchOptions} lists every setting.
 *
 * <p>This JVM is the client of every scenario. Each server runs in a JVM of its own, forked from
 * this one's JDK; the table goes to standard output, progress to standard error, and
 * summary.json, summary.md and chart.svg to {@code target/bench}.
 */
public final class BenchMain {
  private BenchMain() {}

  /**
   * Runs the scenarios the system properties ask for and writes the report. Each argument {@code
   * --NAME=VALUE} (or {@code --NAME}, meaning true) sets the property {@code bench.NAME} first, so
   * that {@code -Dargs="--quick --stream1.messages=1000"} on the Maven command line reaches it.
   */
  public static void main(String[] args) throws Exception {
    for (String arg : args) {
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("arguments look like --NAME=VALUE, not " + arg);
      }
      int eq = arg.indexOf('=');
      String name = "bench." + (eq < 0 ? arg.substring(2) : arg.substring(2, eq));
      System.setProperty(name, eq < 0 ? "true" : arg.substring(eq + 1));
    }
    BenchOptions options = BenchOptions.fromSystemProperties();
    List<ScenarioResult> results = run(options, new Progress(System.err));
    Map<String, Object> summary = write(options, results);
    System.out.print(Report.table(results));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> targets = (List<Map<String, Object>>) summary.get("targets");
    System.out.print(Targets.text(targets));
    System.out.println("\nwrote " + options.outDir().resolve("summary.json") + ", summary.md, chart.svg");
    boolean failed = results.stream().anyMatch(r -> r.error != null);
    System.exit(failed ? 1 : 0);
  }

  /** Runs the scenarios {@code options} names, in order; a failed scenario keeps its error. */
  static List<ScenarioResult> run(BenchOptions options, Progress progress) throws Exception {
    progress.say("mode " + options.mode() + ", scenarios " + options.scenarios());
    List<ScenarioResult> results = new ArrayList<>();
    List<String> echo = options.scenarios().stream().filter(EchoScenarios.NAMES::contains).toList();
    if (!echo.isEmpty()) {
      results.addAll(EchoScenarios.run(options, echo, progress));
    }
    if (options.scenarios().contains(IdleScenario.NAME)) {
      results.add(IdleScenario.run(options, progress));
    }
    for (String qps : List.of(QpsScenario.STREAMING, QpsScenario.UNARY)) {
      if (options.scenarios().contains(qps)) {
        results.add(QpsScenario.run(options, qps, progress));
      }
    }
    List<String> clients =
        options.scenarios().stream().filter(ClientScenarios.NAMES::contains).toList();
    if (!clients.isEmpty()) {
      results.addAll(ClientScenarios.run(options, clients, progress));
    }
    return results;
  }

  /** Writes summary.json, summary.md (the table as Markdown) and chart.svg; returns the tree. */
  static Map<String, Object> write(BenchOptions options, List<ScenarioResult> results)
      throws IOException {
    Files.createDirectories(options.outDir());
    Map<String, Object> summary = Report.summary(results, Machine.describe(), settings(options));
    Path json = options.outDir().resolve("summary.json");
    Files.writeString(json, Json.write(summary), StandardCharsets.UTF_8);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> targets = (List<Map<String, Object>>) summary.get("targets");
    Files.writeString(options.outDir().resolve("summary.md"),
        Report.markdown(results) + "```\n" + Targets.text(targets) + "```\n",
        StandardCharsets.UTF_8);
    ChartMain.write(json, options.outDir().resolve("chart.svg"));
    return summary;
  }

  private static Map<String, Object> settings(BenchOptions o) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("mode", o.mode());
    s.put("date", Instant.now().toString());
    s.put("rounds", o.rounds());
    s.put("message_bytes", BenchOptions.MESSAGE_BYTES);
    s.put("pingpong_message_bytes", BenchOptions.PINGPONG_BYTES);
    s.put("pingpong_warmup_s", o.pingpongWarmup().toMillis() / 1000.0);
    s.put("pingpong_round_s", o.pingpongRound().toMillis() / 1000.0);
    s.put("stream_1_messages", o.stream1Messages());
    s.put("stream_64_streams", o.stream64Streams());
    s.put("stream_64_messages_per_stream", o.stream64Messages());
    s.put("stream_warmup_rounds", o.streamWarmupRounds());
    s.put("idle_counts", new ArrayList<Object>(o.idleCounts()));
    s.put("idle_platform_count", o.idlePlatformCount());
    s.put("idle_warmup_count", o.idleWarmupCount());
    s.put("idle_client_channels", o.idleChannels());
    s.put("qps_warmup_s", o.qpsWarmupSeconds());
    s.put("qps_s", o.qpsSeconds());
    s.put("qps_channels", o.qpsChannels());
    s.put("qps_outstanding_rpcs_per_channel", o.qpsOutstanding());
    s.put("qps_payload_bytes", o.qpsPayload());
    s.put("client_threads", o.clientVirtualThreads() ? "virtual" : "platform");
    s.put("server_jvm_flags", new ArrayList<Object>(ServerProcess.jvmFlags(o)));
    s.put("adapter_server_jvm_flags", new ArrayList<Object>(ServerProcess.ADAPTER_FLAGS));
    s.put("client_jvm_max_heap_bytes", Runtime.getRuntime().maxMemory());
    return s;
  }
}
