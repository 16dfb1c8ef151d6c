package dev.grpcloop.hardening;

import static dev.grpcloop.hardening.TestService.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Graceful shutdown: calls in flight when the server stops go on and finish within the grace
 * period while new calls are refused; then shutdownNow cancels the calls that are left, and every
 * handler thread ends.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {
  static final Duration WAIT = Duration.ofSeconds(5);
  static final int IN_FLIGHT = 3;

  private final RecordingEcho echo = new RecordingEcho();

  @Test
  void inFlightCallsFinishWithinTheGracePeriodAndNewCallsAreRefused() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(EchoService.bindService(threads)))) {
      ManagedChannel channel = harness.newChannel();
      List<ClientStream<Message, Message>> inFlight = new ArrayList<>();
      for (int i = 0; i < IN_FLIGHT; i++) {
        inFlight.add(EchoClients.leaveHandlerInRecv(channel, "flight" + i, CallOptions.DEFAULT));
      }

      // The channel leaves READY when the server's GOAWAY reaches it. A call started before that
      // may still be accepted: grpc-netty's graceful GOAWAY admits streams already on their way.
      CountDownLatch goAway = new CountDownLatch(1);
      channel.notifyWhenStateChanged(ConnectivityState.READY, goAway::countDown);

      harness.server.shutdown();

      RecordedCall.await(goAway, WAIT, "the server's GOAWAY to reach the client");
      assertRefused(channel, "late-same-channel");
      assertRefused(harness.newChannel(), "late-new-channel");
      for (ClientStream<Message, Message> stream : inFlight) {
        for (int i = 0; i < 5; i++) {
          assertThat(stream.send(text("after shutdown " + i))).isTrue();
          assertThat(stream.recv().getText()).isEqualTo("after shutdown " + i);
        }
        stream.closeSend();
        assertThat(stream.recv()).isNull(); // OK
        stream.close();
      }
      assertThat(harness.server.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS))
          .as("terminated within the grace period").isTrue();
      for (int i = 0; i < IN_FLIGHT; i++) {
        RecordedCall call = harness.recorder.awaitCall("flight" + i, WAIT);
        assertThat(call.status.isOk()).isTrue();
        assertThat(call.closes).hasValue(1);
      }
      assertThat(harness.recorder.calls()).hasSize(IN_FLIGHT); // the late calls never started
      assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
    }
  }

  @Test
  void shutdownNowAfterTheGracePeriodCancelsWhatIsLeft() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)))) {
      ManagedChannel channel = harness.newChannel();
      List<ClientStream<Message, Message>> streams = new ArrayList<>();
      for (int i = 0; i < IN_FLIGHT; i++) {
        streams.add(EchoClients.leaveHandlerInRecv(channel, "recv" + i, CallOptions.DEFAULT));
      }
      streams.add(EchoClients.leaveHandlerInSend(
          harness.newStingyChannel(), "send", CallOptions.DEFAULT));
      RecordedCall send = harness.recorder.awaitCall("send", WAIT);
      RecordedCall.await(send.notReady, WAIT, "the handler to block in send");

      harness.server.shutdown();
      // A short grace period that these calls, which never end by themselves, outlast.
      assertThat(harness.server.awaitTermination(200, TimeUnit.MILLISECONDS)).isFalse();
      assertThat(harness.threads.alive()).isEqualTo(IN_FLIGHT + 1);
      harness.server.shutdownNow();

      for (RecordedCall call : harness.recorder.calls()) {
        RecordingEcho.Ending ending = echo.awaitEnding(call.id, WAIT);
        assertThat(ending.where()).as(call.id).isEqualTo(call.id.startsWith("send") ? "send" : "recv");
        assertThat(ending.statusCode()).as(call.id).isEqualTo(Status.Code.CANCELLED);
        assertThat(call.wasCancelled()).as(call.id).isTrue();
        assertThat(call.closes).as(call.id).hasValue(0);
      }
      assertThat(harness.recorder.calls()).hasSize(IN_FLIGHT + 1);
      assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
      assertThat(harness.server.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      for (ClientStream<Message, Message> stream : streams) {
        stream.close();
      }
    }
  }

  /** A call started after shutdown fails UNAVAILABLE and never reaches a handler. */
  private static void assertRefused(ManagedChannel channel, String id) {
    StatusException refused = catchThrowableOfType(StatusException.class, () -> {
      try (ClientStream<Message, Message> stream =
          EchoClients.open(channel, id, CallOptions.DEFAULT)) {
        stream.send(text("too late"));
        stream.recv();
      }
    });
    assertThat(refused).as(id).isNotNull();
    assertThat(refused.getStatus().getCode()).as(id).isEqualTo(Status.Code.UNAVAILABLE);
  }
}
