package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.big;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitStuckIn;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: a cancel or a deadline wakes a handler blocked in {@code recv} (the client sends
 * nothing) or in {@code send} (the client reads nothing), the handler sees the reason as a
 * StatusException, and its thread ends. The handler threads are joined while the server is still
 * up, so it is the adapter that ends them, not the server's shutdown.
 */
@Timeout(60)
class ServerCancellationTest {

  /**
   * Long enough for the test to see the handler stuck first (a few hundred milliseconds, even in
   * send over Netty), with room to spare on a loaded machine.
   */
  private static final long DEADLINE_MILLIS = 3000;

  private final HandlerThreads threads = new HandlerThreads();

  /** How the test ends the call. */
  private enum End { CANCEL, DEADLINE }

  /** Where the handler is blocked when the call ends. */
  private enum BlockedIn { RECV, SEND }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelUnblocksRecv(Transport transport) throws Exception {
    assertEndWakesHandler(transport, End.CANCEL, BlockedIn.RECV);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelUnblocksSend(Transport transport) throws Exception {
    assertEndWakesHandler(transport, End.CANCEL, BlockedIn.SEND);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void deadlineUnblocksRecv(Transport transport) throws Exception {
    assertEndWakesHandler(transport, End.DEADLINE, BlockedIn.RECV);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void deadlineUnblocksSend(Transport transport) throws Exception {
    assertEndWakesHandler(transport, End.DEADLINE, BlockedIn.SEND);
  }

  private void assertEndWakesHandler(Transport transport, End end, BlockedIn blockedIn)
      throws Exception {
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    AtomicInteger sent = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      try {
        if (blockedIn == BlockedIn.RECV) {
          outcome.complete(new AssertionError("recv returned " + stream.recv()));
        } else {
          for (int i = 0; ; i++) {
            stream.send(big(i)); // the client never reads: this blocks once the window is full
            sent.incrementAndGet();
          }
        }
      } catch (Throwable t) {
        outcome.complete(t);
        throw t;
      }
    }, threads.options());
    CallOptions options = end == End.DEADLINE
        ? CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MILLIS, MILLISECONDS)
        : CallOptions.DEFAULT;
    Status.Code clientSees = end == End.DEADLINE
        ? Status.Code.DEADLINE_EXCEEDED
        : Status.Code.CANCELLED;
    // A cancel is always CANCELLED on the server. A deadline may be too: the client's deadline
    // fires a moment before the server's (which starts when the headers arrive), and its
    // RST_STREAM says only "cancel", so whether the server's own timer has fired yet is a race
    // that grpc itself cannot settle (seen both ways over Netty).
    List<Status.Code> handlerMaySee = end == End.DEADLINE
        ? List.of(Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED)
        : List.of(Status.Code.CANCELLED);

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI, options, new Metadata());
      awaitStuckIn(threads.awaitOnly(), blockedIn == BlockedIn.RECV ? "recv" : "send", sent::get);
      assertThat(call.isClosed()).as("the call was still running while the handler waited")
          .isFalse();
      if (end == End.CANCEL) {
        call.cancel("the test cancels");
      }

      assertThat(call.awaitStatus().getCode()).isEqualTo(clientSees);
      Throwable seen = await(outcome);
      assertThat(seen).isInstanceOf(StatusException.class);
      assertThat(((StatusException) seen).getStatus().getCode()).isIn(handlerMaySee);
      threads.assertAllEnded();
    }
  }
}
