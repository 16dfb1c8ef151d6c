package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The workload under which the throwaway prototype of the naive form deadlocked (BUILD-FACTS,
 * 2026-12-01), in this mode: 128 echo streams over 4 connections to 4 loops, both directions
 * streaming, on the unpooled allocator (the tests' JVM flags), so that every write contends on the
 * JDK's {@code Cleaner} monitor. It must finish with every echo back in order and every handler
 * ended, the handlers having started on the loops' carriers. ({@link LoopMonitorHandOffTest} plays
 * the deadlock's steps in a fixed order; {@link NaiveLoopDeadlockDemo} shows both against the naive
 * form.)
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LoopDeadlockStressTest {
  static final int LOOPS = 4;
  static final int CONNECTIONS = 4;
  static final int STREAMS = 128;

  @Test
  void shortRunNeitherDeadlocksNorLosesAMessage() throws Exception {
    stress(Duration.ofSeconds(8));
  }

  @Test
  @Tag("long")
  void minutesLongRunNeitherDeadlocksNorLosesAMessage() throws Exception {
    stress(Duration.ofMinutes(Long.getLong("stress.minutes", 3)));
  }

  private static void stress(Duration duration) throws Exception {
    java.util.concurrent.atomic.AtomicInteger startedOnLoop =
        new java.util.concurrent.atomic.AtomicInteger();
    try (LoopServer server = LoopServer.start(LOOPS, stream -> {
      if (LoopServer.onLoopCarrier()) {
        startedOnLoop.incrementAndGet();
      }
      EchoStress.echo(stream);
    })) {
      EchoStress.Result result = new EchoStress(server.server.getPort(), CONNECTIONS, STREAMS)
          .run(duration, Duration.ofSeconds(20),
              t -> t.getName().startsWith("grpc-loop-") || t.getName().startsWith("grpc-default"));
      assertThat(result.stall()).as("stall").isNull();
      assertThat(result.errors()).isEmpty();
      assertThat(result.echoes()).isGreaterThan(STREAMS);
      assertThat(server.awaitHandlersEnded(LoopServer.PATIENCE)).as("handlers left").isEmpty();
      assertThat(startedOnLoop.get()).isEqualTo(STREAMS);
      System.out.printf("event-loop stress: %d echoes in %s, %d handlers moved off, %d carriers"
              + " replaced%n", result.echoes(), duration, server.loops.handlersMovedOff(),
          server.loops.carriersReplaced());
    }
    assertThat(LoopServer.liveLoopThreads()).isEmpty();
  }
}
