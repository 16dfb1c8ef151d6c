package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shutdown order. The documented one (server, then loops) ends every handler and leaves no carrier
 * or watchdog thread. Closing the loops first, while handlers are parked, strands none of them:
 * once woken they run on as ordinary virtual threads and end. (grpc's own shutdown can then not
 * complete, as its transports' close listeners would run on the loops: hence the order.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopShutdownTest {
  static final int CALLS = 8;

  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch parked = new CountDownLatch(CALLS);
  private final Queue<String> resumedOn = new ConcurrentLinkedQueue<>();

  /** "park" waits for the test's latch (deaf to cancellation), then tries to answer. */
  private void handle(ServerStream<Message, Message> stream) throws Exception {
    Message first = stream.recv();
    if (first == null) {
      return;
    }
    if (first.getText().equals("park")) {
      parked.countDown();
      release.await();
      resumedOn.add(LoopServer.carrierName(Thread.currentThread()));
    }
    stream.send(first);
    EchoStress.echo(stream);
  }

  /** Waits, bounded, until {@code thread} is parked (WAITING). */
  private static void awaitParked(Thread thread) {
    long deadline = System.nanoTime() + LoopServer.PATIENCE.toNanos();
    while (thread.getState() != Thread.State.WAITING) {
      assertThat(System.nanoTime() - deadline).as(thread + " parks").isNegative();
      Thread.yield();
    }
  }

  @Test
  void serverThenLoopsEndsEveryHandlerAndEveryLoopThread() throws Exception {
    LoopServer server = LoopServer.start(2, this::handle);
    List<ClientStream<Message, Message>> streams = new ArrayList<>();
    try {
      ManagedChannel a = server.connect();
      ManagedChannel b = server.connect();
      for (int i = 0; i < CALLS; i++) {
        ClientStream<Message, Message> stream = LoopServer.open(i % 2 == 0 ? a : b);
        assertThat(LoopServer.ask(stream, "echo")).isEqualTo("echo"); // now parked in recv
        streams.add(stream);
      }
      assertThat(LoopServer.liveLoopThreads()).hasSizeGreaterThanOrEqualTo(3);
    } finally {
      server.close(); // channels, server.shutdownNow, awaitTermination, then loops.close()
    }
    assertThat(server.awaitHandlersEnded(LoopServer.PATIENCE)).as("handlers left").isEmpty();
    assertThat(LoopServer.liveLoopThreads()).as("loop threads left").isEmpty();
    streams.forEach(ClientStream::close);
  }

  @Test
  void loopsClosedBeforeTheirHandlersStrandNone() throws Exception {
    LoopServer server = LoopServer.start(2, this::handle);
    try {
      ManagedChannel a = server.connect();
      ManagedChannel b = server.connect();
      List<ClientStream<Message, Message>> streams = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        ClientStream<Message, Message> stream = LoopServer.open(i % 2 == 0 ? a : b);
        stream.send(LoopServer.message("park"));
        streams.add(stream);
      }
      assertThat(parked.await(LoopServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      // Each handler counted down on its way to release.await(): wait until all are parked there.
      for (Thread handler : server.handlerThreads()) {
        awaitParked(handler);
      }

      server.loops.close(); // too early: the server still runs, its handlers are parked
      assertThat(LoopServer.liveLoopThreads()).as("loop threads left").isEmpty();

      release.countDown();
      assertThat(server.awaitHandlersEnded(LoopServer.PATIENCE)).as("stranded").isEmpty();
      assertThat(resumedOn).hasSize(CALLS).allMatch(c -> c.startsWith("ForkJoinPool"), "off-loop");
      streams.forEach(ClientStream::close);
    } finally {
      server.abandon(); // closing the loops again does nothing
    }
  }
}
