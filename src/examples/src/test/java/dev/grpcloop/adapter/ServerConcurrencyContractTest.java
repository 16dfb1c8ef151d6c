package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.big;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitStuckIn;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: the concurrency contract of the stream, as in grpc-go. One sender and one receiver
 * at a time; a second one at the same moment gets IllegalStateException rather than corrupting
 * the call, and so does anyone who uses the stream after the handler returned. A misuse fails the
 * call with a status: the client never hangs.
 */
@Timeout(60)
class ServerConcurrencyContractTest {

  private final HandlerThreads threads = new HandlerThreads();

  @ParameterizedTest
  @EnumSource(Transport.class)
  void secondConcurrentSenderGetsIllegalState(Transport transport) throws Exception {
    CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      streamOf.complete(stream);
      for (int i = 0; ; i++) {
        stream.send(big(i)); // the client reads nothing, so this ends up blocked
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      ServerStream<Message, Message> stream = await(streamOf);
      awaitWaitingIn(threads.awaitOnly(), "send");

      assertThatThrownBy(() -> stream.send(msg("second sender")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("send");

      call.cancel("done");
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void secondConcurrentReceiverGetsIllegalState(Transport transport) throws Exception {
    CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
    CompletableFuture<Message> firstReceiverGot = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      streamOf.complete(stream);
      firstReceiverGot.complete(stream.recv()); // the client sends nothing until the test says
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      ServerStream<Message, Message> stream = await(streamOf);
      awaitWaitingIn(threads.awaitOnly(), "recv");

      assertThatThrownBy(stream::recv)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("recv");

      // The first receiver is unharmed: it still gets the message.
      call.send(msg("for the first receiver"));
      call.halfClose();
      assertThat(await(firstReceiverGot).getText()).isEqualTo("for the first receiver");
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendOrRecvAfterTheHandlerReturnedGetsIllegalState(Transport transport) throws Exception {
    CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, streamOf::complete, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      call.request(Integer.MAX_VALUE);
      ServerStream<Message, Message> stream = await(streamOf);
      threads.assertAllEnded();
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);

      assertThatThrownBy(() -> stream.send(msg("too late")))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(stream::recv).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> stream.sendHeaders(new Metadata()))
          .isInstanceOf(IllegalStateException.class);
      assertThat(call.messages()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void threadsLeftInsideRecvAndSendWhenTheHandlerReturnsGetIllegalState(Transport transport)
      throws Exception {
    CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
    CountDownLatch handlerMayReturn = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      streamOf.complete(stream);
      handlerMayReturn.await();
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI); // sends nothing, reads nothing
      ServerStream<Message, Message> stream = await(streamOf);
      AtomicInteger sent = new AtomicInteger();
      CompletableFuture<Throwable> receiverEnd = new CompletableFuture<>();
      CompletableFuture<Throwable> senderEnd = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().start(() -> {
        try {
          receiverEnd.complete(new AssertionError("recv returned " + stream.recv()));
        } catch (Throwable t) {
          receiverEnd.complete(t);
        }
      });
      Thread sender = Thread.ofVirtual().start(() -> {
        try {
          for (int i = 0; ; i++) {
            stream.send(big(i));
            sent.incrementAndGet();
          }
        } catch (Throwable t) {
          senderEnd.complete(t);
        }
      });
      awaitWaitingIn(receiver, "recv");
      awaitStuckIn(sender, "send", sent::get);

      handlerMayReturn.countDown();

      assertThat(await(receiverEnd)).isInstanceOf(IllegalStateException.class);
      assertThat(await(senderEnd)).isInstanceOf(IllegalStateException.class);
      threads.assertAllEnded();
      call.cancel("done");
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void clientStreamingHandlerCallingSendGetsIllegalStateAndTheClientAStatus(Transport transport)
      throws Exception {
    CompletableFuture<Throwable> sendOutcome = new CompletableFuture<>();
    CompletableFuture<Throwable> timedSendOutcome = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>clientStreaming(CLIENT_STREAMING, requests -> {
      @SuppressWarnings("unchecked") // the object behind the receiving half is the whole stream
      ServerSendStream<Message> sendSide = (ServerSendStream<Message>) requests;
      try {
        sendSide.send(msg("not allowed either"), 1, TimeUnit.SECONDS);
        timedSendOutcome.complete(
            new AssertionError("a timed send in a client-streaming handler worked"));
      } catch (IllegalStateException e) {
        timedSendOutcome.complete(e);
      }
      try {
        sendSide.send(msg("not allowed"));
        sendOutcome.complete(new AssertionError("send in a client-streaming handler worked"));
      } catch (IllegalStateException e) {
        sendOutcome.complete(e);
        throw e;
      }
      return msg("unreachable");
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), CLIENT_STREAMING);
      call.request(Integer.MAX_VALUE);

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
      assertThat(await(sendOutcome)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("client-streaming");
      assertThat(await(timedSendOutcome)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("client-streaming");
      assertThat(call.messages()).isEmpty();
      threads.assertAllEnded();
    }
  }
}
