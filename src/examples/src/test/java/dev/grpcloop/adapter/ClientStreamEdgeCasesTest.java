package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client side: a stream whose server already answered stops a sender that never receives
 * (GRPC-TRAPS 20), and close() and cancel() may race from two threads (GRPC-TRAPS 21).
 */
@Timeout(180)
class ClientStreamEdgeCasesTest {

  private static final int RACES = 3000;

  /** send() returns false, within 10 s, once the server answered, though the client never recv()s. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendOnlyClientSeesTheEndOnceTheServerAnswered(Transport transport) throws Exception {
    var service = Bind.clientStreaming(CLIENT_STREAMING, requests -> {
      requests.recv();
      return msg("answered");
    });
    try (TestServer server = TestServer.start(transport, service);
        ClientSendStream<Message, Message> stream =
            BlockingClientCalls.clientStreaming(server.channel(), CLIENT_STREAMING)) {
      AtomicInteger sent = new AtomicInteger();
      CompletableFuture<Boolean> lastSend = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          while (stream.send(msg(sent.get()))) {
            sent.incrementAndGet();
          }
          lastSend.complete(false);
        } catch (Throwable t) {
          lastSend.completeExceptionally(t);
        }
      });

      assertThat(lastSend)
          .as(() -> "send() returning false after the server answered (" + sent.get()
              + " messages sent)")
          .succeedsWithin(Duration.ofSeconds(10))
          .isEqualTo(false);
      assertThat(stream.closeAndRecv().getText()).isEqualTo("answered");
    }
  }

  /** close() and cancel() racing from two threads never throw. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void closeRacingCancelNeverThrows(Transport transport) throws Exception {
    var service = Bind.bidi(BIDI, stream -> {
      while (stream.recv() != null) {
        // drain until the client's end
      }
    });
    Queue<Throwable> thrown = new ConcurrentLinkedQueue<>();
    ExecutorService racers = Executors.newFixedThreadPool(2);
    try (TestServer server = TestServer.start(transport, service)) {
      for (int i = 0; i < RACES; i++) {
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI);
        // Both start together; close() is held back a little more each race, to sweep the
        // moment when cancel() lands across close()'s steps.
        int closeDelay = i % 256;
        AtomicInteger arrived = new AtomicInteger();
        Future<?> closing = racers.submit(() -> race(arrived, closeDelay, stream::close, thrown));
        Future<?> cancelling = racers.submit(
            () -> race(arrived, 0, () -> stream.cancel("race", null), thrown));
        TestServer.await(closing);
        TestServer.await(cancelling);
      }
    } finally {
      racers.shutdownNow();
    }
    assertThat(thrown)
        .withFailMessage(() -> thrown.size() + " of " + RACES + " races threw, the first: "
            + thrown.peek())
        .isEmpty();
  }

  /** Spins until both racers arrived, then {@code delay} spins more, then runs {@code action}. */
  private static void race(
      AtomicInteger arrived, int delay, Runnable action, Queue<Throwable> thrown) {
    arrived.incrementAndGet();
    while (arrived.get() < 2) {
      Thread.onSpinWait();
    }
    for (int i = 0; i < delay; i++) {
      Thread.onSpinWait();
    }
    try {
      action.run();
    } catch (Throwable t) {
      thrown.add(t);
    }
  }
}
