package dev.grpcloop.bench;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * idle_streams: N concurrent idle bidi streams against each server (the adapter also in the
 * event-loop mode), in a JVM of its own with a 1 GiB heap, so that the heap it reports is the
 * server's alone. The adapter with a platform thread per
 * call joins at its own N, for contrast. Each server is warmed up by one unrecorded round first, so
 * that the parked handlers' frames are compiled ones, as in a server that has been running.
 */
final class IdleScenario {
  private IdleScenario() {}

  static final String NAME = "idle_streams";

  private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(5);

  /** Warm-up ends once the average stack chunk changes by less than this share in a cycle. */
  private static final double STEADY_CHUNK_SHARE = 0.03;

  static ScenarioResult run(BenchOptions o, Progress progress) throws Exception {
    ScenarioResult result = new ScenarioResult(NAME);
    List<ServerKind> kinds = new ArrayList<>(List.of(ServerKind.ADAPTER, ServerKind.RAW,
        ServerKind.RAW_DIRECT, ServerKind.ADAPTER_EVENTLOOP));
    if (o.idlePlatformCount() > 0) {
      kinds.add(ServerKind.ADAPTER_PLATFORM);
    }
    Map<ServerKind, ServerProcess> servers = new EnumMap<>(ServerKind.class);
    Map<ServerKind, List<ManagedChannel>> channels = new EnumMap<>(ServerKind.class);
    try {
      for (ServerKind kind : kinds) {
        // Native Memory Tracking: where the platform-thread contrast keeps its stacks.
        ServerProcess server = ServerProcess.start(kind, o,
            o.outDir().resolve("logs/idle-" + kind.label + ".log"),
            List.of("-XX:NativeMemoryTracking=summary"));
        servers.put(kind, server);
        List<ManagedChannel> list = new ArrayList<>();
        for (int i = 0; i < o.idleChannels(); i++) {
          list.add(EchoClient.channel(server.port()));
        }
        channels.put(kind, list);
      }
      for (ServerKind kind : kinds) {
        warmUp(o, kind, servers.get(kind), channels.get(kind), progress);
      }
      List<Integer> counts = new ArrayList<>(o.idleCounts());
      if (o.idlePlatformCount() > 0 && !counts.contains(o.idlePlatformCount())) {
        counts.add(o.idlePlatformCount());
      }
      for (int n : counts) {
        List<ServerKind> here = new ArrayList<>();
        for (ServerKind kind : kinds) {
          boolean platform = kind == ServerKind.ADAPTER_PLATFORM;
          boolean main = o.idleCounts().contains(n);
          if (platform ? n == o.idlePlatformCount() : main) {
            here.add(kind);
          }
        }
        for (int round = 0; round < o.rounds(); round++) {
          for (int i = 0; i < here.size(); i++) {
            ServerKind kind = here.get((round + i) % here.size());
            Path histogram = o.idleHistograms() && round == o.rounds() - 1
                ? o.outDir().resolve("histograms/idle-" + kind.label + "-n" + n + ".txt") : null;
            IdleStreams.Round r =
                IdleStreams.run(channels.get(kind), servers.get(kind), n, ROUND_TIMEOUT, histogram);
            record(result, kind.label, n, r);
            progress.say(NAME + " n=" + n + " round " + (round + 1) + "/" + o.rounds() + " "
                + kind.label + ": " + describe(r, n));
          }
        }
      }
    } catch (Exception e) {
      result.error = e.toString();
      progress.say(NAME + " failed: " + e);
    } finally {
      for (List<ManagedChannel> list : channels.values()) {
        for (ManagedChannel channel : list) {
          EchoClient.close(channel);
        }
      }
      for (ServerProcess server : servers.values()) {
        server.close();
      }
    }
    return result;
  }

  /**
   * Warm-up cycles, each of streaming traffic (so that recv and send get compiled), a round of idle
   * streams (so that opening and parking do) and a wait for the JIT's queues to drain. A parked
   * virtual thread keeps its frames in a stack chunk on the heap, and compiled frames are several
   * times smaller than profiled (C1) ones; while C2's queue is long HotSpot defers compiling more,
   * so the parking path often gets compiled only in a later cycle. The cycles go on until the
   * average stack chunk has stopped shrinking for three cycles: a server that has been running for
   * a while.
   */
  private static void warmUp(BenchOptions o, ServerKind kind, ServerProcess server,
      List<ManagedChannel> channels, Progress progress) throws Exception {
    boolean platform = kind == ServerKind.ADAPTER_PLATFORM;
    int warm = platform ? Math.min(o.idleWarmupCount(), o.idlePlatformCount()) : o.idleWarmupCount();
    // Platform threads keep their frames off the heap: one (slow) cycle is enough there.
    int cycles = platform ? 1 : o.idleWarmupRounds();
    double last = Double.NaN;
    int steady = 0;
    for (int cycle = 1; cycle <= cycles; cycle++) {
      Pipelined.run(channels.subList(0, 1), 1, o.idleWarmupMessages(), ROUND_TIMEOUT);
      IdleStreams.Round r = IdleStreams.run(channels, server, warm, ROUND_TIMEOUT, null);
      String jit = server.command("await-jit 30000", Duration.ofMinutes(1));
      double chunk = r.bytesPerChunk();
      progress.say(String.format(Locale.ROOT,
          "%s: warm-up cycle %d of %s (%d idle streams): %.0f B per stack chunk, %s", NAME, cycle,
          kind.label, warm, chunk, jit));
      // Three times in a row: the chunk often rests a few cycles at its C1 size before C2 comes.
      steady = Math.abs(chunk - last) <= STEADY_CHUNK_SHARE * last ? steady + 1 : 0;
      if (steady == 3) {
        return;
      }
      last = chunk;
    }
  }

  private static void record(ScenarioResult result, String server, int n, IdleStreams.Round r)
      throws IOException {
    if (r.liveOpen() != n) {
      throw new IOException(server + " counted " + r.liveOpen() + " live handlers with " + n
          + " streams open: the handlers are not all parked");
    }
    String at = "_n" + n;
    result.record(server, "heap_bytes_per_stream" + at, "B",
        (double) (r.heapOpen() - r.heapBefore()) / n);
    if (r.nativeBefore() >= 0) {
      result.record(server, "native_thread_bytes_per_stream" + at, "B",
          (double) (r.nativeOpen() - r.nativeBefore()) / n);
    }
    if (r.chunkCount() > 0) {
      result.record(server, "stack_chunk_bytes_per_stream" + at, "B", (double) r.chunkBytes() / n);
    }
    result.record(server, "open_s" + at, "s", r.openSeconds());
    result.record(server, "cancel_s" + at, "s", r.cancelSeconds());
    result.record(server, "handlers_left" + at, "", r.liveAfter());
  }

  private static String describe(IdleStreams.Round r, int n) {
    return String.format(java.util.Locale.ROOT,
        "heap %.0f B/stream, native threads %.0f B/stream, open %.2f s, cancel %.2f s, left %d",
        (double) (r.heapOpen() - r.heapBefore()) / n,
        (double) (r.nativeOpen() - r.nativeBefore()) / n,
        r.openSeconds(), r.cancelSeconds(), r.liveAfter());
  }
}
