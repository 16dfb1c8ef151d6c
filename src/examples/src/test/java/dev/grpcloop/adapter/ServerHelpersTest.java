package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.ServerCallModelTest.FakeServerCall;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Server side: the helper threads of {@link ServerCallScope#fork}, over a fake grpc call: a
 * helper's failure fails the call and interrupts the handler; the handler's end interrupts the
 * helpers still running and closes the call only once they have ended; a helper's late failure
 * changes nothing; no fork once the handler has finished.
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
}
