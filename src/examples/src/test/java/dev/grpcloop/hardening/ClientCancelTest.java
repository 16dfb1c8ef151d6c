package dev.grpcloop.hardening;

import static dev.grpcloop.hardening.TestService.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client that cancels, then does what a sending loop does when it stops (closeSend, as
 * {@code startSender} does for it): send returns false, and closeSend does nothing, as its
 * contract says, rather than passing grpc's "call was cancelled" IllegalStateException on.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientCancelTest {
  static final Duration WAIT = Duration.ofSeconds(5);

  private final RecordingEcho echo = new RecordingEcho();

  @Test
  void sendReturnsFalseAndCloseSendDoesNothingAfterCancel() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)))) {
      try (ClientStream<Message, Message> stream =
          EchoClients.leaveHandlerInRecv(harness.newChannel(), "cancel", CallOptions.DEFAULT)) {
        stream.cancel("the client changed its mind", null);

        assertThat(stream.send(text("after cancel"))).isFalse(); // the call is over
        stream.closeSend(); // must not throw
        StatusException failure = catchThrowableOfType(StatusException.class, stream::recv);
        assertThat(failure).isNotNull();
        assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
      }
      RecordingEcho.Ending ending = echo.awaitEnding("cancel", WAIT);
      assertThat(ending.where()).isEqualTo("recv");
      assertThat(ending.statusCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
    }
  }
}
