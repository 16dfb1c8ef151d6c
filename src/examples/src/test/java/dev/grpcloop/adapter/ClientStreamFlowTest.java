package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.ERROR_TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.big;
import static dev.grpcloop.adapter.TestMethods.metadata;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.seq;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitStuckIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client side: backpressure and ordering of a {@link ClientStream}. send blocks while the server
 * does not read; a flooding server is held to the adapter's window; responses that arrived before
 * an error are returned before it. The server is the adapter's own server side.
 */
@Timeout(60)
class ClientStreamFlowTest {

  private final HandlerThreads threads = new HandlerThreads();

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendBlocksUnderBackpressureAndReturnsFalseOnceTheCallIsOver(Transport transport)
      throws Exception {
    CountDownLatch finish = new CountDownLatch(1);
    var neverReads = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, 
        stream -> finish.await(), threads.options()); // then returns: OK, without reading anything

    try (TestServer server = TestServer.start(transport, service(neverReads));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      AtomicInteger sent = new AtomicInteger();
      CompletableFuture<Boolean> lastSend = new CompletableFuture<>();
      Thread sender = stream.startSender(() -> {
        for (int i = 0; ; i++) {
          if (!stream.send(big(i))) {
            lastSend.complete(false);
            return;
          }
          sent.incrementAndGet();
        }
      });

      awaitStuckIn(sender, "send", sent::get);
      assertThat(lastSend).isNotDone();

      finish.countDown();

      assertThat(await(lastSend)).isFalse();
      assertThat(stream.recv()).as("the server ended the call OK").isNull();
      sender.join(PATIENCE);
      assertThat(sender.isAlive()).isFalse();
      threads.assertAllEnded();
    }
  }

  /** The client side shares the server's inbound flow control: a flooding server is held back. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void floodingServerLeavesAtMostWindowResponsesBufferedOnTheClient(Transport transport)
      throws Exception {
    int count = 200;
    AtomicInteger sent = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING, (request, responses) -> {
      for (int i = 0; i < count; i++) {
        responses.send(big(i));
        sent.incrementAndGet();
      }
    }, threads.options());
    AtomicInteger delivered = new AtomicInteger();
    ClientInterceptor countDeliveries = ResponseFilter.counting(delivered);

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            ClientInterceptors.intercept(server.channel(), countDeliveries), SERVER_STREAMING,
            msg("go"))) {
      assertThat(seq(stream.recv())).isZero();

      awaitStuckIn(threads.awaitOnly(), "send", sent::get);
      assertThat(delivered.get() - 1).as("responses held, not received")
          .isLessThanOrEqualTo(Inbox.MAX_MESSAGES);
      assertThat(sent.get()).isLessThan(count);

      for (int i = 1; i < count; i++) {
        assertThat(seq(stream.recv())).isEqualTo(i);
        assertThat(delivered.get() - (i + 1)).isLessThanOrEqualTo(Inbox.MAX_MESSAGES);
      }
      assertThat(stream.recv()).isNull();
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void recvReturnsResponsesThatArrivedBeforeAnErrorThenThrowsItWithTrailers(
      Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING, (request, responses) -> {
      for (int i = 0; i < 3; i++) {
        responses.send(msg(i));
      }
      throw Status.FAILED_PRECONDITION.withDescription("after three")
          .asException(metadata(ERROR_TRAILER_KEY, "three was enough"));
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream =
            BlockingClientCalls.serverStreaming(server.channel(), SERVER_STREAMING, msg("go"))) {
      assertThat(stream.recv().getText()).isEqualTo("m0");
      // Wait for the end of the call: the error is known, two responses are still unread.
      assertThat(stream.trailers().get(ERROR_TRAILER_KEY)).isEqualTo("three was enough");

      assertThat(stream.recv().getText()).isEqualTo("m1");
      assertThat(stream.recv().getText()).isEqualTo("m2");
      StatusException e = catchThrowableOfType(StatusException.class, stream::recv);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription()).isEqualTo("after three");
      assertThat(e.getTrailers().get(ERROR_TRAILER_KEY)).isEqualTo("three was enough");
      threads.assertAllEnded();
    }
  }
}
