package dev.grpcloop.bench;

import java.nio.file.Files;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * official_qps and unary_qps: grpc-java's AsyncClient, over streams ({@code --streaming_rpcs}) and
 * with unary calls, the same settings each time, against
 * BenchmarkService on the adapter (and in the event-loop mode, "adapter_eventloop") and against
 * grpc-java's reference AsyncServer (grpc-benchmarks at bench.tools.version) with its default
 * executor ("raw") and with --directexecutor ("raw_direct"). Every AsyncClient run warms up by
 * itself before it measures; the servers stay up across rounds.
 */
final class QpsScenario {
  private QpsScenario() {}

  /** AsyncClient over streams: a request and its response at a time on each stream. */
  static final String STREAMING = "official_qps";

  /** AsyncClient's unary calls: a call per request and response, the traffic most services see. */
  static final String UNARY = "unary_qps";

  private static final List<ServerKind> SERVERS = List.of(ServerKind.QPS_ADAPTER,
      ServerKind.QPS_REFERENCE, ServerKind.QPS_REFERENCE_DIRECT, ServerKind.QPS_ADAPTER_EVENTLOOP);

  /** Runs {@link #STREAMING} or {@link #UNARY} ({@code name}). */
  static ScenarioResult run(BenchOptions o, String name, Progress progress) throws Exception {
    boolean streaming = name.equals(STREAMING);
    ScenarioResult result = new ScenarioResult(name);
    if (!Files.isRegularFile(o.toolsDir().resolve(
        "grpc-benchmarks-" + Machine.toolsVersion() + ".jar"))) {
      result.error = "grpc-benchmarks " + Machine.toolsVersion() + " is not in " + o.toolsDir()
          + ": run ./mvnw -q -B compile invoker:run@bench-tools first";
      progress.say(name + " skipped: " + result.error);
      return result;
    }
    Map<ServerKind, ServerProcess> servers = new EnumMap<>(ServerKind.class);
    try {
      for (ServerKind kind : SERVERS) {
        servers.put(kind, ServerProcess.start(
            kind, o, o.outDir().resolve("logs/" + name + "-" + kind.name().toLowerCase() + ".log")));
      }
      for (int round = 0; round < o.rounds(); round++) {
        for (int i = 0; i < SERVERS.size(); i++) {
          ServerKind kind = SERVERS.get((round + i) % SERVERS.size());
          Map<String, Double> figures = OfficialQps.run(o, servers.get(kind).port(), streaming,
              o.outDir().resolve("logs/" + name + "-asyncclient-" + kind.label + ".log"));
          for (Map.Entry<String, Double> e : figures.entrySet()) {
            result.record(kind.label, e.getKey(), e.getKey().equals("qps") ? "1/s" : "us",
                e.getValue());
          }
          progress.say(name + " round " + (round + 1) + "/" + o.rounds() + " " + kind.label + ": "
              + progress.lastRound(result, kind.label));
        }
      }
    } catch (Exception e) {
      result.error = e.toString();
      progress.say(name + " failed: " + e);
    } finally {
      for (ServerProcess server : servers.values()) {
        server.close();
      }
    }
    return result;
  }
}
