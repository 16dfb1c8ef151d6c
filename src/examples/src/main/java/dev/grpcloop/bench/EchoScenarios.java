package dev.grpcloop.bench;

import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * pingpong, stream_1 and stream_64: the echo servers (adapter, raw, raw_direct, and the adapter
 * with its handlers on the event loops, adapter_eventloop) run side by side in JVMs of their own
 * for the whole group, one client channel each. Every scenario warms each
 * server up, then measures round by round, each round visiting every server in turn (starting one
 * further along each time), so a slow spell on the machine hits all servers alike.
 */
final class EchoScenarios {
  private EchoScenarios() {}

  static final List<String> NAMES = List.of("pingpong", "stream_1", "stream_64");

  private static final List<ServerKind> SERVERS =
      List.of(ServerKind.ADAPTER, ServerKind.RAW, ServerKind.RAW_DIRECT,
          ServerKind.ADAPTER_EVENTLOOP);

  private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(5);

  /** One measured round of a scenario against one server, recorded into the result. */
  @FunctionalInterface
  private interface Measure {
    void round(ManagedChannel channel, ScenarioResult into, String server) throws Exception;
  }

  /** Runs the wanted scenarios of this group, in order; returns one result per scenario. */
  static List<ScenarioResult> run(BenchOptions o, List<String> wanted, Progress progress)
      throws Exception {
    Map<ServerKind, ServerProcess> servers = new EnumMap<>(ServerKind.class);
    Map<ServerKind, ManagedChannel> channels = new EnumMap<>(ServerKind.class);
    try {
      for (ServerKind kind : SERVERS) {
        servers.put(kind,
            ServerProcess.start(kind, o, o.outDir().resolve("logs/echo-" + kind.label + ".log")));
        channels.put(kind, EchoClient.channel(servers.get(kind).port()));
      }
      return ScenarioResult.runEach(wanted, progress,
          (name, result) -> runOne(o, name, channels, result, progress));
    } finally {
      for (ManagedChannel channel : channels.values()) {
        EchoClient.close(channel);
      }
      for (ServerProcess server : servers.values()) {
        server.close();
      }
    }
  }

  private static void runOne(BenchOptions o, String name, Map<ServerKind, ManagedChannel> channels,
      ScenarioResult result, Progress progress) throws Exception {
    Measure measure = switch (name) {
      case "pingpong" -> (ch, r, s) -> {
        PingPong.Result p = PingPong.run(ch, o.pingpongRound());
        r.record(s, "round_trips_per_s", "1/s", p.roundTripsPerSecond());
        r.record(s, "p50_us", "us", p.p50Micros());
        r.record(s, "p99_us", "us", p.p99Micros());
      };
      case "stream_1" -> (ch, r, s) -> r.record(s, "messages_per_s", "msg/s",
          Pipelined.run(List.of(ch), 1, o.stream1Messages(), STREAM_TIMEOUT));
      case "stream_64" -> (ch, r, s) -> r.record(s, "messages_per_s", "msg/s",
          Pipelined.run(List.of(ch), o.stream64Streams(), o.stream64Messages(), STREAM_TIMEOUT));
      default -> throw new IllegalArgumentException("not an echo scenario: " + name);
    };
    for (ServerKind kind : SERVERS) {
      progress.say(name + ": warming up " + kind.label);
      warmUp(o, name, channels.get(kind), measure);
    }
    for (int round = 0; round < o.rounds(); round++) {
      for (int i = 0; i < SERVERS.size(); i++) {
        ServerKind kind = SERVERS.get((round + i) % SERVERS.size());
        measure.round(channels.get(kind), result, kind.label);
        progress.say(name + " round " + (round + 1) + "/" + o.rounds() + " " + kind.label + ": "
            + progress.lastRound(result, kind.label));
      }
    }
  }

  private static void warmUp(BenchOptions o, String name, ManagedChannel channel, Measure measure)
      throws Exception {
    if (name.equals("pingpong")) {
      PingPong.run(channel, o.pingpongWarmup());
      return;
    }
    ScenarioResult discarded = new ScenarioResult(name);
    for (int i = 0; i < o.streamWarmupRounds(); i++) {
      measure.round(channel, discarded, "warmup");
    }
  }
}
