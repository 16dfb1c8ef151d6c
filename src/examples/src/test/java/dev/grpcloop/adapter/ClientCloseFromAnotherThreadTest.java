package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.big;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitStuckIn;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Context;
import io.grpc.StatusException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client side: the Go article's client pattern, one thread receiving, one sending, and a third
 * that closes the stream (try-with-resources) or cancels it (GRPC-TRAPS 27). Once this side has
 * closed or cancelled the stream, recv on any thread throws the cancel's {@link StatusException}
 * and send returns false, whether the thread was already waiting or came after: one checked
 * outcome, as grpc-go's receiver sees {@code Canceled} whatever the interleaving.
 */
@Timeout(60)
class ClientCloseFromAnotherThreadTest {

  /** How the third thread ends the stream, and the status description recv then reports. */
  enum Ending {
    CLOSE("the client closed the stream"),
    CANCEL("the third thread cancels");

    final String description;

    Ending(String description) {
      this.description = description;
    }

    void apply(ClientCallScope stream) {
      if (this == CLOSE) {
        stream.close();
      } else {
        stream.cancel(description, null);
      }
    }
  }

  private final HandlerThreads threads = new HandlerThreads();

  static Stream<Arguments> transportsAndEndings() {
    return Arrays.stream(Transport.values()).flatMap(transport ->
        Arrays.stream(Ending.values()).map(ending -> Arguments.of(transport, ending)));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("transportsAndEndings")
  void waitingAndLaterReceiversAndSendersSeeTheCancel(Transport transport, Ending ending)
      throws Exception {
    // The server reads nothing and sends nothing: the client's receiver waits for a response,
    // and its sender for flow control, until the call ends.
    CompletableFuture<String> serverEnd = new CompletableFuture<>();
    var service = Bind.bidi(BIDI, stream -> {
      CountDownLatch cancelled = new CountDownLatch(1);
      Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
      cancelled.await();
      serverEnd.complete("cancelled");
    }, threads);
    String cancelled = "StatusException CANCELLED: " + ending.description;

    try (TestServer server = TestServer.start(transport, service);
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      CompletableFuture<String> received = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().name("receiver")
          .start(() -> received.complete(outcome(stream::recv)));
      AtomicInteger sent = new AtomicInteger();
      CompletableFuture<String> lastSend = new CompletableFuture<>();
      Thread sender = Thread.ofVirtual().name("sender").start(() -> lastSend.complete(outcome(
          () -> {
            while (stream.send(big(sent.get()))) {
              sent.incrementAndGet();
            }
            return false;
          })));
      awaitWaitingIn(receiver, "recv");
      awaitStuckIn(sender, "send", sent::get);

      Thread closer = Thread.ofVirtual().name("closer").start(() -> ending.apply(stream));
      closer.join(TestServer.PATIENCE);

      Map<String, String> outcomes = new LinkedHashMap<>();
      outcomes.put("the waiting receiver", await(received));
      outcomes.put("the waiting sender", await(lastSend));
      // Threads that come after: the same outcomes, timed or not.
      outcomes.put("a later recv", onNewThread(stream::recv));
      outcomes.put("a later timed recv", onNewThread(() -> stream.recv(1, TimeUnit.SECONDS)));
      outcomes.put("a later send", onNewThread(() -> stream.send(big(0))));
      outcomes.put("a later timed send",
          onNewThread(() -> stream.send(big(0), 1, TimeUnit.SECONDS)));
      outcomes.put("a later closeAndRecv", onNewThread(stream::closeAndRecv));

      Map<String, String> expected = new LinkedHashMap<>();
      expected.put("the waiting receiver", cancelled);
      expected.put("the waiting sender", "returned false");
      expected.put("a later recv", cancelled);
      expected.put("a later timed recv", cancelled);
      expected.put("a later send", "returned false");
      expected.put("a later timed send", "returned false");
      expected.put("a later closeAndRecv", cancelled);
      assertThat(outcomes).as("what each thread got").isEqualTo(expected);
      assertThat(await(serverEnd)).isEqualTo("cancelled");
      threads.assertAllEnded();
    }
  }

  /**
   * A server-streaming call made on the thread that then receives (its one request went out as it
   * was made) is closed or cancelled by another thread: that thread is not held up, and the
   * receiver sees the cancel.
   */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("transportsAndEndings")
  void aServerStreamingCallMadeOnTheReceiverIsEndedByAnotherThread(
      Transport transport, Ending ending) throws Exception {
    CompletableFuture<Void> serverStarted = new CompletableFuture<>();
    CompletableFuture<String> serverEnd = new CompletableFuture<>();
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      CountDownLatch cancelled = new CountDownLatch(1);
      Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
      serverStarted.complete(null);
      cancelled.await();
      serverEnd.complete("cancelled");
    }, threads);

    try (TestServer server = TestServer.start(transport, service)) {
      CompletableFuture<ClientRecvStream<Message>> made = new CompletableFuture<>();
      CompletableFuture<String> received = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().name("receiver").start(() -> {
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            server.channel(), SERVER_STREAMING, msg("x"));
        made.complete(stream);
        received.complete(outcome(stream::recv));
      });
      ClientRecvStream<Message> stream = await(made);
      await(serverStarted);
      awaitWaitingIn(receiver, "recv");

      Thread closer = Thread.ofVirtual().name("closer").start(() -> ending.apply(stream));
      closer.join(TestServer.PATIENCE);
      assertThat(closer.isAlive()).as("the closer is still inside %s", ending).isFalse();
      assertThat(await(received)).isEqualTo("StatusException CANCELLED: " + ending.description);
      assertThat(await(serverEnd)).isEqualTo("cancelled");
      threads.assertAllEnded();
    }
  }

  /** What {@code operation} returned or threw, as text. */
  private static String outcome(Callable<?> operation) {
    try {
      return "returned " + operation.call();
    } catch (StatusException e) {
      return "StatusException " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    } catch (Throwable t) {
      return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
  }

  /** {@link #outcome} of {@code operation} run on a thread of its own. */
  private static String onNewThread(Callable<?> operation) throws Exception {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> result.complete(outcome(operation)));
    return await(result);
  }
}
