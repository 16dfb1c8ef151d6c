package dev.grpcloop.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Load: 1,000 concurrent bidi streams of 1,000 messages each through the echo server over real
 * TCP (Netty), every echo checked for order and content, 5 rounds. After each round every handler
 * thread has ended, and the JVM's platform threads and heap after GC are back at their baseline.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class EchoLoadTest {
  static final int STREAMS = 1_000;
  static final int MESSAGES = 1_000;
  static final int ROUNDS = 5;

  /** Platform threads may exceed the baseline by this many (virtual-thread carriers come and go). */
  static final int THREAD_TOLERANCE = 2;

  /** Heap after GC may exceed the baseline by this much: a leak of 1 KiB per call would exceed it by round 5. */
  static final long HEAP_TOLERANCE = 4L << 20;

  private final HandlerThreads handlerThreads = new HandlerThreads();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    // The adapter's callbacks never block, so both sides run grpc's callbacks on the transport
    // threads: no growing executor to blur the thread count.
    server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .directExecutor()
        .addService(EchoService.bindService(handlerThreads))
        .build()
        .start();
    channel = Grpc.newChannelBuilderForAddress(
            "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
        .directExecutor()
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void thousandStreamsOfThousandMessagesFiveRoundsWithoutLeaks() throws Exception {
    // Warm-up: a short round brings up the transport's threads and JIT-compiles the hot paths.
    assertClean(runRound(STREAMS, 50), 50);
    Snapshot baseline = Snapshot.take();
    System.out.printf("load baseline: %s%n", baseline);

    for (int round = 1; round <= ROUNDS; round++) {
      long start = System.nanoTime();
      RoundResult result = runRound(STREAMS, MESSAGES);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertClean(result, MESSAGES);

      Snapshot after = Snapshot.take();
      System.out.printf("load round %d: %d streams x %d messages in %d ms; after GC: %s%n",
          round, STREAMS, MESSAGES, millis, after);
      // At most the baseline: fewer is fine, idle pool threads of earlier tests in this JVM (grpc's
      // default executor, the virtual-thread scheduler's workers) may time out meanwhile. And of
      // the threads alive now, at most the tolerance were not there at the baseline.
      assertThat(after.platformThreads())
          .as("platform threads after round %d (baseline %d)", round, baseline.platformThreads())
          .isLessThanOrEqualTo(baseline.platformThreads() + THREAD_TOLERANCE);
      assertThat(after.threadsNotIn(baseline))
          .as("platform threads started since the baseline, still alive after round %d", round)
          .hasSizeLessThanOrEqualTo(THREAD_TOLERANCE);
      assertThat(after.heapUsed())
          .as("heap after GC after round %d (baseline %d)", round, baseline.heapUsed())
          .isLessThanOrEqualTo(baseline.heapUsed() + HEAP_TOLERANCE);
    }
  }

  /** Checks one round's outcome, and that every handler thread of the round has ended. */
  private void assertClean(RoundResult result, int messages) throws InterruptedException {
    assertThat(result.firstError()).as("first client error").isNull();
    assertThat(result.errors()).as("calls that failed").isZero();
    assertThat(result.mismatches()).as("echoes missing, extra, out of order or wrong").isZero();
    assertThat(result.echoes()).isEqualTo((long) STREAMS * messages);
    assertThat(handlerThreads.awaitAllEnded(Duration.ofSeconds(10)))
        .as("handler threads still alive after the round").isEmpty();
    assertThat(handlerThreads.drain()).as("handler threads made").isEqualTo(STREAMS);
  }

  private RoundResult runRound(int streams, int messages) {
    AtomicInteger errors = new AtomicInteger();
    AtomicInteger mismatches = new AtomicInteger();
    AtomicInteger echoes = new AtomicInteger();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int s = 0; s < streams; s++) {
        int streamNo = s;
        clients.execute(() -> {
          try {
            int received = echoStream(streamNo, messages, mismatches);
            echoes.addAndGet(received);
          } catch (Exception | AssertionError e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e);
          }
        });
      }
    } // close() waits for every client
    return new RoundResult(errors.get(), mismatches.get(), echoes.get(), firstError.get());
  }

  /** One client stream: sends {@code messages} from a sender thread, checks every echo in order. */
  private int echoStream(int streamNo, int messages, AtomicInteger mismatches) throws Exception {
    int received = 0;
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
      stream.startSender(() -> {
        for (int i = 0; i < messages; i++) {
          if (!stream.send(Message.newBuilder().setText(text(streamNo, i)).build())) {
            return;
          }
        }
      });
      for (Message echo; (echo = stream.recv()) != null; received++) {
        if (received >= messages || !echo.getText().equals(text(streamNo, received))) {
          mismatches.incrementAndGet();
        }
      }
    }
    if (received != messages) {
      mismatches.incrementAndGet();
    }
    return received;
  }

  private static String text(int stream, int message) {
    return "s" + stream + "-m" + message;
  }

  record RoundResult(int errors, int mismatches, long echoes, Throwable firstError) {}

  /** Live platform threads (how many, and their ids) and heap used after a full GC. */
  record Snapshot(int platformThreads, long heapUsed, Set<Long> threadIds) {
    static Snapshot take() {
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      return new Snapshot(
          threads.getThreadCount(),
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
          Arrays.stream(threads.getAllThreadIds()).boxed().collect(Collectors.toSet()));
    }

    /** The names of the threads alive in this snapshot that were not alive in {@code earlier}. */
    List<String> threadsNotIn(Snapshot earlier) {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      return threadIds.stream()
          .filter(id -> !earlier.threadIds.contains(id))
          .map(id -> threads.getThreadInfo(id))
          .filter(info -> info != null)
          .map(info -> info.getThreadName())
          .toList();
    }

    @Override
    public String toString() {
      return platformThreads + " platform threads, heap " + (heapUsed >> 10) + " KiB";
    }
  }
}
