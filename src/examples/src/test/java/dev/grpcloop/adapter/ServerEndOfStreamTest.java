package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.DeliveryCounter;
import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: how the client's stream ends, as the handler's {@code recv} sees it. A half-close is
 * end-of-stream (null, then the call ends OK); a cancel is an error (CANCELLED), never a quiet
 * end; a unary call whose client breaks the one-request rule fails with INTERNAL instead of
 * hanging. The client is a plain grpc ClientCall, so only the server side of the adapter is tested.
 */
@Timeout(60)
class ServerEndOfStreamTest {

  private final HandlerThreads threads = new HandlerThreads();

  @ParameterizedTest
  @EnumSource(Transport.class)
  void halfCloseMakesRecvReturnNullAndTheCallEndsOk(Transport transport) throws Exception {
    List<String> received = new CopyOnWriteArrayList<>();
    CompletableFuture<String> ending = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      for (Message m; (m = stream.recv()) != null; ) {
        received.add(m.getText());
      }
      ending.complete("recv returned null");
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      for (int i = 0; i < 3; i++) {
        call.send(msg(i));
      }
      call.halfClose();

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
      threads.assertAllEnded();
    }
    assertThat(ending).isCompletedWithValue("recv returned null");
    assertThat(received).containsExactly("m0", "m1", "m2");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void recvAfterItReturnedNullThrowsIllegalState(Transport transport) throws Exception {
    CompletableFuture<Throwable> second = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      assertThat(stream.recv()).isNull();
      try {
        second.complete(new AssertionError("second recv returned " + stream.recv()));
      } catch (RuntimeException e) {
        second.complete(e);
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      call.halfClose();

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
      threads.assertAllEnded();
    }
    assertThat(await(second)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("end-of-stream");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelMakesABlockedRecvThrowCancelled(Transport transport) throws Exception {
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      try {
        outcome.complete(new AssertionError("recv returned " + stream.recv()));
      } catch (StatusException e) {
        outcome.complete(e);
        throw e;
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      TestServer.awaitWaitingIn(threads.awaitOnly(), "recv");
      call.cancel("the test cancels");

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(await(outcome)).isInstanceOf(StatusException.class);
      assertThat(((StatusException) await(outcome)).getStatus().getCode())
          .isEqualTo(Status.Code.CANCELLED);
      threads.assertAllEnded();
    }
  }

  /** An error is not an end: messages the handler had not taken yet are dropped, recv throws. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelWithMessagesBufferedMakesRecvThrowNotReturnThem(Transport transport)
      throws Exception {
    DeliveryCounter deliveries = new DeliveryCounter();
    CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
    CountDownLatch resume = new CountDownLatch(1);
    CompletableFuture<Throwable> afterCancel = new CompletableFuture<>();
    CompletableFuture<Message> first = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      streamOf.complete(stream);
      first.complete(stream.recv());
      resume.await();
      try {
        afterCancel.complete(new AssertionError("recv returned " + stream.recv()));
      } catch (StatusException e) {
        afterCancel.complete(e);
        throw e;
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler), deliveries)) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      for (int i = 0; i < 6; i++) {
        call.send(msg(i));
      }
      assertThat(await(first).getText()).isEqualTo("m0");
      awaitUntil("all 6 messages reached the server call", () -> deliveries.delivered() == 6);
      call.cancel("the test cancels");
      ServerStream<Message, Message> stream = await(streamOf);
      awaitUntil("the server sees the cancel", stream::isCancelled);
      resume.countDown();

      assertThat(await(afterCancel)).isInstanceOf(StatusException.class);
      assertThat(((StatusException) await(afterCancel)).getStatus().getCode())
          .isEqualTo(Status.Code.CANCELLED);
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void tenThousandMessagesArriveInOrder(Transport transport) throws Exception {
    int count = 10_000;
    var handler = BlockingServerCalls.clientStreaming(CLIENT_STREAMING, TestMethods::countInOrder, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), CLIENT_STREAMING);
      call.request(1);
      for (int i = 0; i < count; i++) {
        call.send(msg(i));
      }
      call.halfClose();

      Status status = call.awaitStatus();
      assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.OK);
      assertThat(call.messages()).extracting(Message::getText).containsExactly("received " + count);
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryHalfCloseWithoutARequestGivesInternal(Transport transport) throws Exception {
    AtomicInteger handled = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      handled.incrementAndGet();
      return request;
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), UNARY);
      call.request(1);
      call.halfClose();

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
      threads.assertAllEnded();
    }
    assertThat(handled).hasValue(0);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryWithTwoRequestsGivesInternal(Transport transport) throws Exception {
    AtomicInteger handled = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      handled.incrementAndGet();
      return request;
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), UNARY);
      call.request(2);
      call.send(msg(0));
      call.send(msg(1));
      call.halfClose();

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
      assertThat(call.messages()).isEmpty();
      threads.assertAllEnded();
    }
    assertThat(handled).hasValue(0);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void serverStreamingHalfCloseWithoutARequestGivesInternal(Transport transport)
      throws Exception {
    AtomicInteger handled = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING, (request, responses) ->
        handled.incrementAndGet(), threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), SERVER_STREAMING);
      call.request(1);
      call.halfClose();

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
      threads.assertAllEnded();
    }
    assertThat(handled).hasValue(0);
  }
}
