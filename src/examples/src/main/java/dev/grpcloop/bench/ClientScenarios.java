package dev.grpcloop.bench;

import dev.grpcloop.eventloop.EventLoopCallers;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;

/**
 * client_pingpong and client_stream_1: the clients compared, against one and the same server
 * (raw_direct, grpc-java's echo on directExecutor, in a JVM of its own). The adapter's ClientStream
 * ("adapter"), the same on threads of the event-loop mode's client side ("adapter_eventloop": an
 * {@link EventLoopCallers} channel), grpc-java's own BlockingClientCall from newBlockingV2Stub
 * ("grpc_blocking_v2") and a raw async ClientCall whose callbacks do the work ("raw_async": {@link
 * PingPong}, {@link Pipelined}), each on a channel of its own, all alike (directExecutor). Warm-up
 * and rounds as in {@link EchoScenarios}: each round visits every client in turn, starting one
 * further along.
 */
final class ClientScenarios {
  private ClientScenarios() {}

  static final List<String> NAMES = List.of("client_pingpong", "client_stream_1");

  /** The clients, by their label in summary.json. */
  enum Client {
    ADAPTER("adapter"),
    ADAPTER_EVENTLOOP("adapter_eventloop"),
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
    EventLoopCallers callers = null;
    try (ServerProcess server = ServerProcess.start(ServerKind.RAW_DIRECT, o,
        o.outDir().resolve("logs/client-server-raw_direct.log"))) {
      for (Client client : Client.values()) {
        if (client == Client.ADAPTER_EVENTLOOP) {
          NettyChannelBuilder builder = EchoClient.builder(server.port());
          callers = EventLoopCallers.configure(builder);
          if (!callers.callersOnEventLoop()) {
            throw new IllegalStateException("adapter_eventloop: the JDK refused the mode; run with "
                + ServerProcess.EVENTLOOP_FLAG);
          }
          channels.put(client, builder.build());
        } else {
          channels.put(client, EchoClient.channel(server.port()));
        }
      }
      ThreadFactory callerThreads = callers.threads();
      return ScenarioResult.runEach(wanted, progress,
          (name, result) -> runOne(o, name, channels, callerThreads, result, progress));
    } finally {
      for (ManagedChannel channel : channels.values()) {
        EchoClient.close(channel);
      }
      if (callers != null) {
        callers.close();
      }
    }
  }

  private static void runOne(BenchOptions o, String name, Map<Client, ManagedChannel> channels,
      ThreadFactory callerThreads, ScenarioResult result, Progress progress) throws Exception {
    ThreadFactory ordinary = BlockingClients.threads(o.clientVirtualThreads());
    Measure measure = switch (name) {
      case "client_pingpong" -> (client, ch, r) -> {
        PingPong.Result p = pingPong(client, ch, o.pingpongRound(), ordinary, callerThreads);
        r.record(client.label, "round_trips_per_s", "1/s", p.roundTripsPerSecond());
        r.record(client.label, "p50_us", "us", p.p50Micros());
        r.record(client.label, "p99_us", "us", p.p99Micros());
      };
      case "client_stream_1" -> (client, ch, r) -> r.record(client.label, "messages_per_s",
          "msg/s", switch (client) {
            case ADAPTER -> BlockingClients.stream(
                BlockingClients.Kind.ADAPTER, ch, o.stream1Messages(), STREAM_TIMEOUT, ordinary);
            case ADAPTER_EVENTLOOP -> BlockingClients.stream(BlockingClients.Kind.ADAPTER, ch,
                o.stream1Messages(), STREAM_TIMEOUT, callerThreads);
            case GRPC_BLOCKING_V2 -> BlockingClients.stream(BlockingClients.Kind.GRPC_BLOCKING_V2,
                ch, o.stream1Messages(), STREAM_TIMEOUT, ordinary);
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
          pingPong(client, channels.get(client), o.pingpongWarmup(), ordinary, callerThreads);
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

  /** Ping-pong for {@code length} with one client. */
  private static PingPong.Result pingPong(Client client, ManagedChannel channel, Duration length,
      ThreadFactory ordinary, ThreadFactory callerThreads) throws Exception {
    return switch (client) {
      case ADAPTER -> BlockingClients.pingPong(
          BlockingClients.Kind.ADAPTER, channel, length, ordinary);
      case ADAPTER_EVENTLOOP -> BlockingClients.pingPong(
          BlockingClients.Kind.ADAPTER, channel, length, callerThreads);
      case GRPC_BLOCKING_V2 -> BlockingClients.pingPong(
          BlockingClients.Kind.GRPC_BLOCKING_V2, channel, length, ordinary);
      case RAW_ASYNC -> PingPong.run(channel, length);
    };
  }
}
