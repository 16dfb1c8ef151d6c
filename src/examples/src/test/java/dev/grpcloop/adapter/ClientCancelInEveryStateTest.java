package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.Outcomes.onNewThread;
import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A third thread closes or cancels a bidi stream in each state of its life, and
 * threads that come after (and one that was waiting in headers() and trailers()) look: "once a
 * stream is closed or cancelled by this side, a recv() on any thread throws the cancel's
 * StatusException, and a client send() returns false; IllegalStateException only for true misuse;
 * cancel always wins over end-of-stream".
 */
@Timeout(120)
class ClientCancelInEveryStateTest {

  enum State {
    /** The server has sent nothing, not even headers; threads wait in headers() and trailers(). */
    BEFORE_HEADERS,
    /** 70 responses and OK sent, none taken: grpc holds some back, the trailers were read. */
    AFTER_TRAILERS_RESPONSES_HELD,
    /** 3 responses and OK, all handed to the adapter, none taken: the call ended OK. */
    ENDED_OK_RESPONSES_UNREAD,
    /** All taken, recv returned end-of-stream. */
    END_OF_STREAM_RETURNED,
    /** 3 responses then ABORTED, all handed over, none taken. */
    FAILED_BY_SERVER_RESPONSES_UNREAD
  }

  enum Ending { CLOSE, CANCEL }

  static Stream<Arguments> cases() {
    return Arrays.stream(Transport.values()).flatMap(t -> Arrays.stream(State.values())
        .flatMap(s -> Arrays.stream(Ending.values()).map(e -> Arguments.of(t, s, e))));
  }

  @ParameterizedTest(name = "{0}, {1}, {2}")
  @MethodSource("cases")
  void laterThreadsSeeTheCancel(Transport transport, State state, Ending ending)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    var service = Bind.bidi(BIDI, stream -> {
      switch (state) {
        case BEFORE_HEADERS -> {
          CountDownLatch cancelled = new CountDownLatch(1);
          Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
          cancelled.await();
        }
        case AFTER_TRAILERS_RESPONSES_HELD -> {
          for (int i = 0; i < 70; i++) {
            stream.send(msg(i));
          }
        }
        case ENDED_OK_RESPONSES_UNREAD, END_OF_STREAM_RETURNED -> {
          for (int i = 0; i < 3; i++) {
            stream.send(msg(i));
          }
        }
        case FAILED_BY_SERVER_RESPONSES_UNREAD -> {
          for (int i = 0; i < 3; i++) {
            stream.send(msg(i));
          }
          throw Status.ABORTED.withDescription("the server's own").asException();
        }
        default -> throw new AssertionError(state);
      }
    }, threads);
    ListenerProbe watch = ListenerProbe.recording();
    String cancelled = ending == Ending.CLOSE
        ? "StatusException CANCELLED: the client closed the stream"
        : "StatusException CANCELLED: the third thread cancels";

    try (TestServer server = TestServer.start(transport, service);
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            ClientInterceptors.intercept(server.channel(), watch), BIDI, CallOptions.DEFAULT,
            new Metadata())) {
      CompletableFuture<String> headers = new CompletableFuture<>();
      CompletableFuture<String> trailers = new CompletableFuture<>();
      Map<String, String> outcomes = new LinkedHashMap<>();
      switch (state) {
        case BEFORE_HEADERS -> {
          Thread h = Thread.ofVirtual().name("headers-waiter").start(() -> headers.complete(
              Outcomes.outcome(() -> stream.headers() == null ? "null" : "headers")));
          Thread t = Thread.ofVirtual().name("trailers-waiter").start(() -> trailers.complete(
              Outcomes.outcome(() -> stream.trailers() == null ? "null" : "trailers")));
          awaitWaitingIn(h, "headers");
          awaitWaitingIn(t, "trailers");
        }
        case AFTER_TRAILERS_RESPONSES_HELD ->
          awaitUntil("64 responses reached the call", () -> watch.messages() >= 64);
        case ENDED_OK_RESPONSES_UNREAD, FAILED_BY_SERVER_RESPONSES_UNREAD -> await(watch.closed);
        case END_OF_STREAM_RETURNED -> {
          for (int i = 0; i < 3; i++) {
            assertThat(stream.recv()).isNotNull();
          }
          assertThat(stream.recv()).isNull();
        }
        default -> throw new AssertionError(state);
      }
      if (state == State.AFTER_TRAILERS_RESPONSES_HELD && transport != Transport.IN_PROCESS) {
        // The server's handler returned: its trailers went out. (In-process, a server sends
        // only what the client asked for: its handler waits in send, the call stays OPEN.)
        threads.assertAllEnded();
      }

      ClientCallScope scope = stream;
      Thread closer = Thread.ofVirtual().name("closer").start(() -> {
        if (ending == Ending.CLOSE) {
          scope.close();
        } else {
          stream.cancel("the third thread cancels", null);
        }
      });
      closer.join(TestServer.PATIENCE);

      if (state == State.BEFORE_HEADERS) {
        outcomes.put("a waiting headers()", await(headers));
        outcomes.put("a waiting trailers()", await(trailers));
      }
      outcomes.put("a later recv", onNewThread(stream::recv));
      outcomes.put("a later timed recv", onNewThread(() -> stream.recv(1, TimeUnit.SECONDS)));
      outcomes.put("a later send", onNewThread(() -> stream.send(msg("x"))));
      StringBuilder rest = new StringBuilder();
      for (int i = 0; i < 80; i++) {
        String o = Outcomes.outcome(stream::recv);
        rest.append(o.startsWith("returned m") ? "m" : o);
        if (!o.startsWith("returned m")) {
          break;
        }
      }
      outcomes.put("recv until the end", rest.toString());
      outcomes.put("a later timed send",
          onNewThread(() -> stream.send(msg("x"), 1, TimeUnit.SECONDS)));

      Map<String, String> expected = new LinkedHashMap<>();
      if (state == State.BEFORE_HEADERS) {
        expected.put("a waiting headers()", "returned null");
        expected.put("a waiting trailers()", "returned trailers");
      }
      String recv = switch (state) {
        case END_OF_STREAM_RETURNED ->
            "IllegalStateException: recv() called again after it returned end-of-stream";
        // A cancel or close after the call failed drops what it holds; recv throws its error.
        case FAILED_BY_SERVER_RESPONSES_UNREAD -> "StatusException ABORTED: the server's own";
        default -> cancelled;
      };
      expected.put("a later recv", recv);
      expected.put("a later timed recv", state == State.END_OF_STREAM_RETURNED
          ? "IllegalStateException: recv() called again after it returned end-of-stream"
          : recv.equals("returned m0") ? "returned m1" : recv);
      expected.put("a later send", "returned false");
      expected.put("recv until the end", recv.startsWith("returned m") ? "mStatusException"
          + " ABORTED: the server's own" : recv);
      expected.put("a later timed send", "returned false");
      assertThat(outcomes).as("%s then %s: what each thread got", state, ending)
          .isEqualTo(expected);
      threads.assertNoneAlive(); // before headers, a cancelled call may never reach a handler
    }
  }
}
