package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.ERROR_TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.metadata;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.seq;
import static dev.grpcloop.adapter.TestMethods.service;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client side: each RPC kind through {@link BlockingClientCalls}, against handlers bound with
 * {@link BlockingServerCalls}: the adapter end to end, in the shapes of grpc-go's client API.
 */
@Timeout(60)
class ClientCallsTest {

  private static final int COUNT = 100;

  private final HandlerThreads threads = new HandlerThreads();

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryReturnsTheResponse(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, 
        (request, call) -> msg("re: " + request.getText()), threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      Message response = BlockingClientCalls.unary(server.channel(), UNARY, msg("hello"));

      assertThat(response.getText()).isEqualTo("re: hello");
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryThrowsTheServersStatusWithTrailers(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      throw Status.NOT_FOUND.withDescription("no " + request.getText())
          .asException(metadata(ERROR_TRAILER_KEY, "looked everywhere"));
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      StatusException e = catchThrowableOfType(StatusException.class,
          () -> BlockingClientCalls.unary(server.channel(), UNARY, msg("thing")));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.getStatus().getDescription()).isEqualTo("no thing");
      assertThat(e.getTrailers().get(ERROR_TRAILER_KEY)).isEqualTo("looked everywhere");
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryWithAnExpiredDeadlineThrowsDeadlineExceeded(Transport transport) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      release.await(); // answers only when the test is over
      return request;
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      StatusException e = catchThrowableOfType(StatusException.class,
          () -> BlockingClientCalls.unary(server.channel(), UNARY,
              CallOptions.DEFAULT.withDeadlineAfter(200, MILLISECONDS), msg("slow")));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      release.countDown();
      threads.assertAllEnded();
    }
  }

  /**
   * A call made inside a Context with a deadline, and none in its CallOptions, has the Context's:
   * it goes out with the call, and the call ends with DEADLINE_EXCEEDED when it passes.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCallMadeInAContextWithADeadlineEndsAtThatDeadline(Transport transport) throws Exception {
    long deadlineMs = 500;
    CompletableFuture<Long> serverSawMs = new CompletableFuture<>();
    CountDownLatch serverSawCancel = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING,
        (request, responses) -> {
          Deadline deadline = responses.deadline();
          serverSawMs.complete(deadline == null ? null : deadline.timeRemaining(MILLISECONDS));
          Context.current().addListener(context -> serverSawCancel.countDown(), Runnable::run);
          // Answers nothing, and returns only when the test is over: a handler that returns as
          // soon as it sees the cancel closes the call with OK, which in-process can reach the
          // client before its own cancel does.
          release.await();
        }, threads.options());
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (TestServer server = TestServer.start(transport, service(handler))) {
      Context.CancellableContext withDeadline =
          Context.current().withDeadlineAfter(deadlineMs, MILLISECONDS, timer);
      Throwable thrown = catchThrowable(() -> withDeadline.call(() -> {
        try (ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            server.channel(), SERVER_STREAMING, msg("x"))) {
          return stream.recv();
        }
      }));

      assertThat(thrown).as("what the call threw").isInstanceOf(StatusException.class);
      assertThat(((StatusException) thrown).getStatus().getCode())
          .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(await(serverSawMs)).as("ms left of the deadline the server saw")
          .isBetween(0L, deadlineMs);
      assertThat(serverSawCancel.await(PATIENCE.toMillis(), MILLISECONDS))
          .as("the server's call is cancelled").isTrue();
      release.countDown();
      threads.assertAllEnded();
    } finally {
      release.countDown();
      timer.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryInterruptedWhileWaitingThrowsAndCancelsTheCall(Transport transport)
      throws Exception {
    CompletableFuture<Void> started = new CompletableFuture<>();
    CountDownLatch serverSawCancel = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      Context.current().addListener(context -> serverSawCancel.countDown(), Runnable::run);
      started.complete(null);
      serverSawCancel.await(); // answers only once cancelled: the client must give up first
      throw Status.CANCELLED.asException();
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      CompletableFuture<Throwable> clientOutcome = new CompletableFuture<>();
      Thread client = Thread.ofVirtual().name("unary-client").start(() -> {
        try {
          clientOutcome.complete(new AssertionError(
              "unary returned " + BlockingClientCalls.unary(server.channel(), UNARY, msg("x"))));
        } catch (Throwable t) {
          clientOutcome.complete(t);
        }
      });
      await(started);
      awaitWaitingIn(client, "response"); // where unary waits for its response

      client.interrupt();

      assertThat(await(clientOutcome)).isInstanceOf(InterruptedException.class);
      assertThat(serverSawCancel.await(PATIENCE.toMillis(), MILLISECONDS))
          .as("the server's call is cancelled").isTrue();
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void serverStreamingReceivesEveryResponseInOrderThenNull(Transport transport)
      throws Exception {
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING, (request, responses) -> {
      for (int i = 0; i < Integer.parseInt(request.getText()); i++) {
        responses.send(msg(i));
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            server.channel(), SERVER_STREAMING, msg(String.valueOf(COUNT)))) {
      List<Integer> received = new ArrayList<>();
      for (Message m; (m = stream.recv()) != null; ) {
        received.add(seq(m));
      }

      assertThat(received).hasSize(COUNT);
      for (int i = 0; i < COUNT; i++) {
        assertThat(received.get(i)).isEqualTo(i);
      }
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void clientStreamingSendsEveryRequestThenCloseAndRecvGetsTheResponse(Transport transport)
      throws Exception {
    var handler = BlockingServerCalls.clientStreaming(CLIENT_STREAMING, TestMethods::countInOrder, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientSendStream<Message, Message> stream =
            BlockingClientCalls.clientStreaming(server.channel(), CLIENT_STREAMING)) {
      for (int i = 0; i < COUNT; i++) {
        assertThat(stream.send(msg(i))).isTrue();
      }

      assertThat(stream.closeAndRecv().getText()).isEqualTo("received " + COUNT);
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void bidiPingPongsThenEndsAfterCloseSend(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      for (Message m; (m = stream.recv()) != null; ) {
        stream.send(msg("re: " + m.getText()));
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      for (int i = 0; i < COUNT; i++) {
        assertThat(stream.send(msg(i))).isTrue();
        assertThat(stream.recv().getText()).isEqualTo("re: m" + i);
      }
      stream.closeSend();

      assertThat(stream.recv()).isNull();
      threads.assertAllEnded();
    }
  }
}
