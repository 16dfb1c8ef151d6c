package dev.grpcloop.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * What one benchmark run measures and how long: the sizes of every scenario, in three presets
 * (full, quick, smoke), each size overridable by a system property named after its field, for
 * example {@code -Dbench.stream1.messages=50000}.
 *
 * @param mode the preset these sizes came from: full, quick or smoke
 * @param scenarios the scenarios to run, in order
 * @param rounds measured rounds per figure; the reported figure is their median
 * @param pingpongWarmup warm-up before the measured ping-pong rounds, per server
 * @param pingpongRound the length of one measured ping-pong round
 * @param stream1Messages messages sent on the one stream of a stream_1 round
 * @param stream64Streams concurrent streams of a stream_64 round
 * @param stream64Messages messages sent on each stream of a stream_64 round
 * @param streamWarmupRounds unrecorded rounds per server before the measured streaming rounds
 * @param idleCounts the numbers of idle streams to hold open, one set of rounds each
 * @param idlePlatformCount the number of idle streams for the thread-per-call contrast, or 0
 * @param idleWarmupCount streams opened and cancelled in each warm-up round of idle_streams
 * @param idleWarmupRounds the most warm-up cycles of idle_streams per server (streaming traffic,
 *     idle streams, a wait for the JIT); fewer once the JIT has settled
 * @param idleWarmupMessages messages echoed on one stream to warm each idle_streams server up
 * @param idleChannels client connections the idle streams are spread over
 * @param idleHistograms whether each server writes a class histogram in the last idle round
 * @param qpsWarmupSeconds AsyncClient's own warm-up before each measured run
 * @param qpsSeconds the length of one measured AsyncClient run
 * @param qpsChannels AsyncClient's --channels
 * @param qpsOutstanding AsyncClient's --outstanding_rpcs (streams per channel)
 * @param qpsPayload AsyncClient's request and response payload sizes
 * @param toolsDir where grpc-benchmarks (bench.tools.version) and its classpath were copied
 * @param outDir where summary.json, the tables, the chart and the server logs go
 * @param serverJvmArgs extra flags for every server JVM (for example a JFR recording), separated
 *     by spaces or semicolons
 * @param classpath the classpath of our server JVMs: this JVM's own unless told otherwise
 * @param clientVirtualThreads whether the blocking clients of the client scenarios run on virtual
 *     threads ({@code bench.client.threads=virtual}, the default) or platform threads ({@code
 *     platform})
 */
record BenchOptions(
    String mode,
    List<String> scenarios,
    int rounds,
    Duration pingpongWarmup,
    Duration pingpongRound,
    int stream1Messages,
    int stream64Streams,
    int stream64Messages,
    int streamWarmupRounds,
    List<Integer> idleCounts,
    int idlePlatformCount,
    int idleWarmupCount,
    int idleWarmupRounds,
    int idleWarmupMessages,
    int idleChannels,
    boolean idleHistograms,
    int qpsWarmupSeconds,
    int qpsSeconds,
    int qpsChannels,
    int qpsOutstanding,
    int qpsPayload,
    Path toolsDir,
    Path outDir,
    List<String> serverJvmArgs,
    String classpath,
    boolean clientVirtualThreads) {

  /** Every scenario, in the order a full run measures them. */
  static final List<String> ALL_SCENARIOS = List.of("pingpong", "stream_1", "stream_64",
      "idle_streams", "official_qps", "unary_qps", "client_pingpong", "client_stream_1");

  /** Messages are this big on the wire unless a scenario says otherwise. */
  static final int MESSAGE_BYTES = 32;

  /** The ping-pong scenario's message size on the wire. */
  static final int PINGPONG_BYTES = 16;

  /** The options given by system properties: {@code bench.quick}, {@code bench.smoke}, overrides. */
  static BenchOptions fromSystemProperties() {
    return from(System.getProperties());
  }

  /** The options a set of properties describes; see the class comment. */
  static BenchOptions from(Properties p) {
    String mode = flag(p, "bench.smoke") ? "smoke" : flag(p, "bench.quick") ? "quick" : "full";
    boolean full = mode.equals("full");
    boolean quick = mode.equals("quick");
    String scenarioList = p.getProperty("bench.scenarios", "all").trim();
    List<String> scenarios = scenarioList.isEmpty() || scenarioList.equals("all")
        ? ALL_SCENARIOS
        : Arrays.stream(scenarioList.split(",")).map(String::trim).toList();
    for (String s : scenarios) {
      if (!ALL_SCENARIOS.contains(s)) {
        throw new IllegalArgumentException(
            "unknown scenario " + s + " in bench.scenarios; known: " + ALL_SCENARIOS);
      }
    }
    return new BenchOptions(
        mode,
        scenarios,
        integer(p, "bench.rounds", full ? 5 : quick ? 3 : 1),
        Duration.ofMillis(integer(p, "bench.pingpong.warmupMillis", full ? 3000 : quick ? 1000 : 200)),
        Duration.ofMillis(integer(p, "bench.pingpong.roundMillis", full ? 4000 : quick ? 1000 : 200)),
        integer(p, "bench.stream1.messages", full ? 200_000 : quick ? 50_000 : 2_000),
        integer(p, "bench.stream64.streams", 64),
        integer(p, "bench.stream64.messages", full ? 20_000 : quick ? 2_000 : 50),
        integer(p, "bench.stream.warmupRounds", full ? 2 : 1),
        integers(p, "bench.idle.counts", full ? "10000,100000" : quick ? "10000" : "100"),
        integer(p, "bench.idle.platformCount", full ? 10_000 : quick ? 2_000 : 100),
        integer(p, "bench.idle.warmupCount", full || quick ? 10_000 : 100),
        integer(p, "bench.idle.warmupRounds", full ? 12 : quick ? 6 : 1),
        integer(p, "bench.idle.warmupMessages", full ? 200_000 : quick ? 50_000 : 1_000),
        integer(p, "bench.idle.channels", 4),
        flag(p, "bench.idle.histograms"),
        // 5 s left unary_qps's rounds 3 to 5 times apart, the servers' code still compiling.
        integer(p, "bench.qps.warmupSeconds", full ? 15 : 1),
        integer(p, "bench.qps.seconds", full ? 10 : quick ? 2 : 1),
        integer(p, "bench.qps.channels", 4),
        integer(p, "bench.qps.outstanding", 10),
        integer(p, "bench.qps.payload", MESSAGE_BYTES),
        Path.of(p.getProperty("bench.tools.dir", "target/bench-tools")),
        Path.of(p.getProperty("bench.out", "target/bench")),
        words(p.getProperty("bench.server.jvmArgs", "")),
        p.getProperty("bench.classpath", System.getProperty("java.class.path")),
        clientThreads(p));
  }

  private static boolean clientThreads(Properties p) {
    String value = p.getProperty("bench.client.threads", "virtual").trim();
    return switch (value) {
      case "virtual" -> true;
      case "platform" -> false;
      default -> throw new IllegalArgumentException(
          "bench.client.threads is virtual or platform, not " + value);
    };
  }

  private static boolean flag(Properties p, String name) {
    String value = p.getProperty(name);
    return value != null && (value.isEmpty() || Boolean.parseBoolean(value));
  }

  private static int integer(Properties p, String name, int fallback) {
    String value = p.getProperty(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim().replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " takes a whole number, not " + value, e);
    }
  }

  private static List<Integer> integers(Properties p, String name, String fallback) {
    String value = p.getProperty(name, fallback);
    List<Integer> out = new ArrayList<>();
    for (String part : value.split(",")) {
      if (!part.isBlank()) {
        out.add(Integer.parseInt(part.trim().replace("_", "")));
      }
    }
    return List.copyOf(out);
  }

  private static List<String> words(String value) {
    return value.isBlank() ? List.of() : List.of(value.trim().split("[\\s;]+"));
  }
}
