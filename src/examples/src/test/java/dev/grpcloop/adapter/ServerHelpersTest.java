package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.ServerCallModelTest.FakeServerCall;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Server side: the helper threads of {@link ServerCallScope#fork}, over a fake grpc call: a
 * helper's failure fails the call and interrupts the handler; the handler's end interrupts the
 * helpers still running and closes the call only once they have ended; a helper's late failure
 * changes nothing; no fork once the handler has finished. fork returns the helper's thread, which
 * ends without leaving the call's locks held or anything to its uncaught-exception handler.
 */
@Timeout(60)
class ServerHelpersTest {

  /** Starts {@code handler} on a fake call, as grpc's startCall would. */
  private static FakeServerCall start(
      BlockingServerCalls.BidiStreamingHandler<Message, Message> handler) {
    ServerMethodDefinition<Message, Message> definition =
        BlockingServerCalls.bidiStreaming(BIDI, handler);
    FakeServerCall fake = new FakeServerCall();
    fake.method = definition.getMethodDescriptor();
    fake.ready = true; // the transport takes what the handler sends
    definition.getServerCallHandler().startCall(fake, new Metadata());
    return fake;
  }

  private static void awaitClosed(FakeServerCall fake) {
    awaitUntil("grpc's call is closed", () -> fake.closes > 0);
  }

  @Test
  void aFailingHelperFailsTheCallWithItsStatusAndInterruptsTheHandler() throws Exception {
    CompletableFuture<String> handlerSaw = new CompletableFuture<>();
    FakeServerCall fake = start(stream -> {
      stream.fork(() -> {
        throw Status.ABORTED.withDescription("the helper failed").asException();
      });
      try {
        stream.recv();
        handlerSaw.complete("recv returned");
      } catch (InterruptedException e) {
        handlerSaw.complete("interrupted");
        throw e;
      }
    });

    assertThat(handlerSaw.get(5, TimeUnit.SECONDS)).isEqualTo("interrupted");
    awaitClosed(fake);
    assertThat(fake.closedWith.getCode()).as("the helper's status, not the handler's")
        .isEqualTo(Status.Code.ABORTED);
    assertThat(fake.interruptedInClose).as("interrupt flag in close").isFalse();
  }

  @Test
  void theHandlersEndInterruptsTheHelpersAndClosesOnceTheyEnded() throws Exception {
    CountDownLatch helpersStarted = new CountDownLatch(2);
    CompletableFuture<String> firstEnd = new CompletableFuture<>();
    CompletableFuture<String> secondEnd = new CompletableFuture<>();
    CompletableFuture<FakeServerCall> call = new CompletableFuture<>();
    FakeServerCall fake = start(stream -> {
      for (CompletableFuture<String> end : List.of(firstEnd, secondEnd)) {
        stream.fork(() -> {
          helpersStarted.countDown();
          try {
            new CompletableFuture<Void>().get(); // until interrupted
            end.complete("not interrupted");
          } catch (InterruptedException e) {
            end.complete("interrupted; closes before its end: " + call.get().closes);
            throw e; // after the handler's end: neither a failure of the call nor logged
          }
        });
      }
      helpersStarted.await();
    });
    call.complete(fake);

    try (CapturedLog log = new CapturedLog()) {
      assertThat(firstEnd.get(5, TimeUnit.SECONDS))
          .isEqualTo("interrupted; closes before its end: 0");
      assertThat(secondEnd.get(5, TimeUnit.SECONDS))
          .isEqualTo("interrupted; closes before its end: 0");
      awaitClosed(fake);
      assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.OK);
      assertThat(log.records()).as(log::describe).isEmpty();
    }
  }

  @Test
  void aHelpersFailureAfterTheHandlersEndIsLoggedAndChangesNothing() throws Exception {
    CountDownLatch helperStarted = new CountDownLatch(1);
    CompletableFuture<Void> helperEnded = new CompletableFuture<>();
    try (CapturedLog log = new CapturedLog()) {
      FakeServerCall fake = start(stream -> {
        stream.fork(() -> {
          helperStarted.countDown();
          try {
            new CompletableFuture<Void>().get(); // until interrupted
          } catch (InterruptedException e) {
            helperEnded.complete(null);
            throw new IllegalStateException("a late failure");
          }
        });
        helperStarted.await();
      });

      helperEnded.get(5, TimeUnit.SECONDS);
      awaitClosed(fake);
      assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.OK);
      awaitUntil("the late failure is logged", () -> !log.records().isEmpty());
      assertThat(log.records().get(0).getMessage()).contains("failed after the handler finished");
      assertThat(log.records().get(0).getThrown()).hasMessage("a late failure");
    }
  }

  @Test
  void aSecondFailingHelperIsLoggedAndTheFirstFailureStands() throws Exception {
    try (CapturedLog log = new CapturedLog()) {
      FakeServerCall fake = start(stream -> {
        stream.fork(() -> {
          throw Status.ABORTED.withDescription("first").asException();
        });
        try {
          new CompletableFuture<Void>().get(); // until the first failure's interrupt
        } catch (InterruptedException expected) {
          // the first helper's failure is recorded: it interrupts the handler after that
        }
        stream.fork(() -> {
          throw Status.NOT_FOUND.withDescription("second").asException();
        });
        // The handler runs on until the second failure is logged, so that it fails "too".
        awaitUntil("the second failure is logged", () -> !log.records().isEmpty());
      });

      awaitClosed(fake);
      assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.ABORTED);
      assertThat(log.records()).as(log::describe).hasSize(1);
      assertThat(log.records().get(0).getMessage()).contains("failed after another");
    }
  }

  @Test
  void forkAfterTheHandlerFinishedThrows() throws Exception {
    CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
    FakeServerCall fake = start(streamOf::complete);
    ServerStream<Message, Message> stream = streamOf.get(5, TimeUnit.SECONDS);
    awaitClosed(fake);
    assertThatThrownBy(() -> stream.fork(() -> { })).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("after the handler finished");
  }

  /**
   * A fork after the handler finished throws also when the handler had helpers (their bookkeeping,
   * not the handler's flag, says so then), and on any thread.
   */
  @Test
  void forkAfterAHandlerWithHelpersFinishedThrows() throws Exception {
    CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
    FakeServerCall fake = start(stream -> {
      streamOf.complete(stream);
      stream.fork(() -> { }).join();
    });
    ServerStream<Message, Message> stream = streamOf.get(5, TimeUnit.SECONDS);
    awaitClosed(fake);
    assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.OK);

    CompletableFuture<Object> lateFork = new CompletableFuture<>();
    Thread.ofVirtual().name("late").start(() -> {
      try {
        lateFork.complete(stream.fork(() -> { }));
      } catch (RuntimeException e) {
        lateFork.complete(e);
      }
    });
    assertThat(lateFork).as("what a late fork returned or threw")
        .succeedsWithin(Duration.ofSeconds(5))
        .isInstanceOf(IllegalStateException.class)
        .hasFieldOrPropertyWithValue("message", "fork() after the handler finished");
  }

  /**
   * The handler joins the thread fork returned; the helper read the call's attributes and
   * authority (calls into grpc's call), and the handler's send and close reach grpc after it.
   */
  @Test
  void theHandlerJoinsAHelperThatReadTheCallAndTheCallGoesOn() throws Exception {
    CompletableFuture<String> read = new CompletableFuture<>();
    FakeServerCall fake = start(stream -> {
      Thread helper = stream.fork(() ->
          read.complete(stream.attributes() + " " + stream.authority()));
      helper.join();
      stream.send(msg("after the helper"));
    });

    awaitClosed(fake);
    assertThat(read.getNow("not read")).isEqualTo(Attributes.EMPTY + " null");
    assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.OK);
    assertThat(fake.messages).containsExactly(msg("after the helper"));
  }

  /**
   * A helper that ends, and one that fails (failing the call), leave nothing to their threads'
   * uncaught-exception handlers: the adapter takes what a helper throws, and its own bookkeeping
   * at a helper's end throws nothing. The helpers' threads end, and the call closes.
   */
  @Test
  void nothingEscapesTheHelpersThreads() throws Exception {
    List<Throwable> escaped = new CopyOnWriteArrayList<>();
    CompletableFuture<List<Thread>> helpers = new CompletableFuture<>();
    FakeServerCall fake = start(stream -> {
      CountDownLatch watched = new CountDownLatch(1);
      Thread ends = stream.fork(watched::await);
      Thread fails = stream.fork(() -> {
        watched.await();
        throw Status.ABORTED.withDescription("the helper failed").asException();
      });
      for (Thread helper : List.of(ends, fails)) {
        helper.setUncaughtExceptionHandler((thread, e) -> escaped.add(e));
      }
      helpers.complete(List.of(ends, fails));
      watched.countDown();
      new CompletableFuture<Void>().get(); // until the failing helper interrupts it
    });

    assertThat(helpers).as("the threads fork returned").succeedsWithin(Duration.ofSeconds(5));
    for (Thread helper : helpers.get()) {
      helper.join(Duration.ofSeconds(5));
      assertThat(helper.isAlive()).as("%s ended", helper).isFalse();
    }
    awaitClosed(fake);
    assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(escaped).as("what reached the helpers' uncaught-exception handlers").isEmpty();
  }
}
