package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.big;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.seq;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.QUIET;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static dev.grpcloop.adapter.TestServer.awaitStuckIn;
import static dev.grpcloop.adapter.TestServer.isWaitingIn;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.DeliveryCounter;
import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: backpressure in both directions. A flooding client cannot make the server hold more
 * than {@link BlockingStream#WINDOW} messages the handler has not taken; a client that does not
 * read makes the handler's {@code send} block, and nothing is lost once it reads.
 *
 * <p>The messages are 64 KiB and 200 of them are sent: more than Netty's largest HTTP/2
 * flow-control window (8 MiB with auto-tuning) plus its send buffer, so the writer must block on
 * either transport.
 */
@Timeout(60)
class ServerFlowControlTest {

  /** 12.5 MiB of 64 KiB messages: beyond what the transport can hold for a reader that waits. */
  private static final int BIG_COUNT = 200;

  private final HandlerThreads threads = new HandlerThreads();

  @ParameterizedTest
  @EnumSource(Transport.class)
  void floodingClientLeavesAtMostWindowMessagesBufferedOnTheServer(Transport transport)
      throws Exception {
    AtomicInteger consumed = new AtomicInteger();
    AtomicInteger mostAhead = new AtomicInteger();
    CountDownLatch beyondWindow = new CountDownLatch(1);
    DeliveryCounter deliveries = new DeliveryCounter(delivered -> {
      int ahead = delivered - consumed.get();
      mostAhead.accumulateAndGet(ahead, Math::max);
      if (ahead > Inbox.MAX_MESSAGES) {
        beyondWindow.countDown();
      }
    });
    CountDownLatch resume = new CountDownLatch(1);
    AtomicInteger mostAheadWhileReading = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>clientStreaming(CLIENT_STREAMING, requests -> {
      int n = 0;
      for (Message m; (m = requests.recv()) != null; n++) {
        if (seq(m) != n) {
          throw Status.DATA_LOSS.withDescription("expected m" + n + ", got m" + seq(m))
              .asException();
        }
        consumed.set(n + 1);
        if (n == 0) {
          resume.await(); // pause after the first message: the window is now open and full
        }
        // Between two recv calls this is exact: every message delivered and not yet taken.
        mostAheadWhileReading.accumulateAndGet(deliveries.delivered() - (n + 1), Math::max);
      }
      return msg("received " + n);
    }, threads.options());

    try (TestServer server =
            TestServer.start(transport, service(handler), deliveries);
        ClientSendStream<Message, Message> stream =
            BlockingClientCalls.clientStreaming(server.channel(), CLIENT_STREAMING)) {
      AtomicInteger sent = new AtomicInteger();
      Thread sender = Thread.ofVirtual().start(() -> {
        try {
          for (int i = 0; i < BIG_COUNT; i++) {
            if (!stream.send(big(i))) {
              return;
            }
            sent.incrementAndGet();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // stops short: closeAndRecv's count shows it
        }
      });

      // The client floods until the transport stops it; the server holds only its window: the
      // first message, taken, and as many as the call may hold.
      awaitStuckIn(sender, "send", sent::get);
      assertThat(sent.get()).isLessThan(BIG_COUNT);
      awaitUntil("the window's messages reached the server call",
          () -> deliveries.delivered() == 1 + Inbox.MAX_MESSAGES);
      assertThat(beyondWindow.await(QUIET.toMillis(), MILLISECONDS))
          .as("more than WINDOW messages delivered while the handler is paused").isFalse();
      assertThat(deliveries.delivered()).isEqualTo(1 + Inbox.MAX_MESSAGES);
      assertThat(mostAhead.get()).isLessThanOrEqualTo(Inbox.MAX_MESSAGES);
      assertThat(isWaitingIn(sender, "send")).as("the client is still held back").isTrue();

      resume.countDown();
      sender.join(PATIENCE);
      assertThat(sender.isAlive()).as("the sender finished").isFalse();
      assertThat(stream.closeAndRecv().getText()).isEqualTo("received " + BIG_COUNT);
      threads.assertAllEnded();
    }
    assertThat(deliveries.delivered()).isEqualTo(BIG_COUNT);
    assertThat(mostAheadWhileReading.get()).isLessThanOrEqualTo(Inbox.MAX_MESSAGES);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendBlocksWhileARawClientDoesNotRequestThenAllArrive(Transport transport)
      throws Exception {
    AtomicInteger sent = new AtomicInteger();
    CountDownLatch allSent = new CountDownLatch(1);
    var handler = streamBigMessages(sent, allSent);

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), SERVER_STREAMING);
      call.send(msg("go"));
      call.halfClose();

      awaitStuckIn(threads.awaitOnly(), "send", sent::get);
      assertThat(allSent.getCount()).isOne();
      assertThat(sent.get()).isLessThan(BIG_COUNT);

      call.request(Integer.MAX_VALUE);
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
      assertThat(call.messages()).hasSize(BIG_COUNT);
      for (int i = 0; i < BIG_COUNT; i++) {
        assertThat(seq(call.messages().get(i))).isEqualTo(i);
      }
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendBlocksWhileAClientStreamIsNotReadThenAllArrive(Transport transport) throws Exception {
    AtomicInteger sent = new AtomicInteger();
    CountDownLatch allSent = new CountDownLatch(1);
    var handler = streamBigMessages(sent, allSent);

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            server.channel(), SERVER_STREAMING, msg("go"))) {
      awaitStuckIn(threads.awaitOnly(), "send", sent::get);
      assertThat(allSent.getCount()).isOne();
      assertThat(sent.get()).isLessThan(BIG_COUNT);

      List<Integer> received = new ArrayList<>();
      for (Message m; (m = stream.recv()) != null; ) {
        received.add(seq(m));
      }
      assertThat(received).hasSize(BIG_COUNT);
      for (int i = 0; i < BIG_COUNT; i++) {
        assertThat(received.get(i)).isEqualTo(i);
      }
      threads.assertAllEnded();
    }
    assertThat(allSent.getCount()).isZero();
  }

  /** A server-streaming handler that sends BIG_COUNT big messages, counting them. */
  private ServerMethodDefinition<Message, Message> streamBigMessages(
      AtomicInteger sent, CountDownLatch allSent) {
    return BlockingServerCalls.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      for (int i = 0; i < BIG_COUNT; i++) {
        responses.send(big(i));
        sent.incrementAndGet();
      }
      allSent.countDown();
    }, threads.options());
  }
}
