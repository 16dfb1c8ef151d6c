package dev.grpcloop.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A deadline expires while the echo handler is blocked: in send() (the client stopped reading),
 * and in recv() (the client stopped sending). Either way the blocked call throws at the deadline,
 * the handler ends, and the client sees DEADLINE_EXCEEDED.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeadlineTest {
  static final long DEADLINE_MS = 500;
  static final Duration WAIT = Duration.ofSeconds(5);

  private final RecordingEcho echo = new RecordingEcho();

  @Test
  void aDeadlineEndsAHandlerBlockedInSend() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)))) {
      ManagedChannel channel = harness.newStingyChannel();
      long start = System.nanoTime();
      try (ClientStream<Message, Message> stream = EchoClients.leaveHandlerInSend(
          channel, "send", deadline())) {
        RecordedCall call = harness.recorder.awaitCall("send", WAIT);
        RecordedCall.await(call.notReady, WAIT, "the handler to block in send");
        assertThat(elapsedMs(start)).as("blocked before the deadline").isLessThan(DEADLINE_MS);

        assertHandlerEndedByDeadline(harness, call, start, "send");
        assertClientSeesDeadline(stream);
      }
    }
  }

  @Test
  void aDeadlineEndsAHandlerBlockedInRecv() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)))) {
      ManagedChannel channel = harness.newChannel();
      long start = System.nanoTime();
      try (ClientStream<Message, Message> stream = EchoClients.leaveHandlerInRecv(
          channel, "recv", deadline())) {
        RecordedCall call = harness.recorder.awaitCall("recv", WAIT);

        assertHandlerEndedByDeadline(harness, call, start, "recv");
        assertClientSeesDeadline(stream);
      }
    }
  }

  private static CallOptions deadline() {
    return CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS);
  }

  private void assertHandlerEndedByDeadline(
      Harness harness, RecordedCall call, long start, String where) throws InterruptedException {
    RecordingEcho.Ending ending = echo.awaitEnding(call.id, WAIT);
    long endedMs = elapsedMs(start);
    assertThat(ending.where()).isEqualTo(where);
    // The server learns of the deadline either from its own timer (DEADLINE_EXCEEDED) or from the
    // client's cancellation, whichever comes first (CANCELLED).
    assertThat(ending.statusCode()).isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED);
    assertThat(endedMs).isGreaterThanOrEqualTo(DEADLINE_MS - 50).isLessThan(DEADLINE_MS + 2_000);
    assertThat(call.wasCancelled()).isTrue();
    assertThat(call.closes).as("closes after grpc ended the call").hasValue(0);
    assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
    System.out.printf("deadline %d ms: handler blocked in %s threw %s at %d ms%n",
        DEADLINE_MS, where, ending.statusCode(), endedMs);
  }

  /** recv returns what arrived before the deadline, then throws DEADLINE_EXCEEDED. */
  private static void assertClientSeesDeadline(ClientStream<Message, Message> stream) {
    StatusException failure = catchThrowableOfType(StatusException.class, () -> {
      for (int i = 0; i < 1_000 && stream.recv() != null; i++) {
        // drain the responses that arrived before the deadline
      }
    });
    assertThat(failure).isNotNull();
    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  private static long elapsedMs(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
