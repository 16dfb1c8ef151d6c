package dev.grpcloop.bench;

import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * client_pingpong and client_stream_1: the clients compared, against one and the same server
 * (raw_direct, grpc-java's echo on directExecutor, in a JVM of its own). The adapter's ClientStream
 * ("adapter"), grpc-java's own BlockingClientCall from newBlockingV2Stub ("grpc_blocking_v2") and
 * a raw async ClientCall whose callbacks do the work ("raw_async": {@link PingPong}, {@link
 * Pipelined}), each on a channel of its own, all alike (directExecutor). Warm-up and rounds as in
 * {@link EchoScenarios}: each round visits every client in turn, starting one further along.
 */
final class ClientScenarios {
  private ClientScenarios() {}

  static final List<String> NAMES = List.of("client_pingpong", "client_stream_1");

  /** The clients, by their label in summary.json. */
  enum Client {
    ADAPTER("adapter"),
    GRPC_BLOCKING_V2("grpc_blocking_v2"),
    RAW_ASYNC("raw_async");

    final String label;

    Client(String label) {
      this.label = label;
    }
  }

  private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(5);

  /** One measured round of a scenario with one client, recorded into the result. */
  @FunctionalInterface
  private interface Measure {
    void round(Client client, ManagedChannel channel, ScenarioResult into) throws Exception;
  }

  static List<ScenarioResult> run(BenchOptions o, List<String> wanted, Progress progress)
      throws Exception {
    Map<Client, ManagedChannel> channels = new EnumMap<>(Client.class);
    try (ServerProcess server = ServerProcess.start(ServerKind.RAW_DIRECT, o,
        o.outDir().resolve("logs/client-server-raw_direct.log"))) {
      for (Client client : Client.values()) {
        channels.put(client, EchoClient.channel(server.port()));
      }
      return ScenarioResult.runEach(wanted, progress,
          (name, result) -> runOne(o, name, channels, result, progress));
    } finally {
      for (ManagedChannel channel : channels.values()) {
        EchoClient.close(channel);
      }
    }
  }

  private static void runOne(BenchOptions o, String name, Map<Client, ManagedChannel> channels,
      ScenarioResult result, Progress progress) throws Exception {
    boolean virtual = o.clientVirtualThreads();
    Measure measure = switch (name) {
      case "client_pingpong" -> (client, ch, r) -> {
        PingPong.Result p = switch (client) {
          case ADAPTER -> BlockingClients.pingPong(
              BlockingClients.Kind.ADAPTER, ch, o.pingpongRound(), virtual);
          case GRPC_BLOCKING_V2 -> BlockingClients.pingPong(
              BlockingClients.Kind.GRPC_BLOCKING_V2, ch, o.pingpongRound(), virtual);
          case RAW_ASYNC -> PingPong.run(ch, o.pingpongRound());
        };
        r.record(client.label, "round_trips_per_s", "1/s", p.roundTripsPerSecond());
        r.record(client.label, "p50_us", "us", p.p50Micros());
        r.record(client.label, "p99_us", "us", p.p99Micros());
      };
      case "client_stream_1" -> (client, ch, r) -> r.record(client.label, "messages_per_s",
          "msg/s", switch (client) {
            case ADAPTER -> BlockingClients.stream(
                BlockingClients.Kind.ADAPTER, ch, o.stream1Messages(), STREAM_TIMEOUT, virtual);
            case GRPC_BLOCKING_V2 -> BlockingClients.stream(BlockingClients.Kind.GRPC_BLOCKING_V2,
                ch, o.stream1Messages(), STREAM_TIMEOUT, virtual);
            case RAW_ASYNC -> Pipelined.run(List.of(ch), 1, o.stream1Messages(), STREAM_TIMEOUT);
          });
      default -> throw new IllegalArgumentException("not a client scenario: " + name);
    };
    Client[] clients = Client.values();
    for (Client client : clients) {
      progress.say(name + ": warming up " + client.label);
      ScenarioResult discarded = new ScenarioResult(name);
      int warmups = name.equals("client_pingpong") ? 1 : o.streamWarmupRounds();
      for (int i = 0; i < warmups; i++) {
        if (name.equals("client_pingpong")) {
          warmUpPingPong(o, client, channels.get(client), virtual);
        } else {
          measure.round(client, channels.get(client), discarded);
        }
      }
    }
    for (int round = 0; round < o.rounds(); round++) {
      for (int i = 0; i < clients.length; i++) {
        Client client = clients[(round + i) % clients.length];
        measure.round(client, channels.get(client), result);
        progress.say(name + " round " + (round + 1) + "/" + o.rounds() + " " + client.label + ": "
            + progress.lastRound(result, client.label));
      }
    }
  }

  private static void warmUpPingPong(BenchOptions o, Client client, ManagedChannel channel,
      boolean virtual) throws Exception {
    switch (client) {
      case ADAPTER -> BlockingClients.pingPong(
          BlockingClients.Kind.ADAPTER, channel, o.pingpongWarmup(), virtual);
      case GRPC_BLOCKING_V2 -> BlockingClients.pingPong(
          BlockingClients.Kind.GRPC_BLOCKING_V2, channel, o.pingpongWarmup(), virtual);
      case RAW_ASYNC -> PingPong.run(channel, o.pingpongWarmup());
    }
  }
}
