package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.seq;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.QUIET;
import static dev.grpcloop.adapter.TestServer.isWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.DeliveryCounter;
import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interceptors that deliver messages later, from a thread of their own, or drop them: the call
 * still holds at most its bound plus one message (docs/contract.md, "What the byte bounds
 * count"), receives everything in order, and a timed recv still times out. An interceptor that
 * adds messages is outside the bound, as the contract says.
 */
@Timeout(120)
class InterceptorBoundsTest {

  /** About 1 KB serialized. */
  private static final Message ITEM = msg("x".repeat(1000));
  private static final int SIZE = ITEM.getSerializedSize();

  /** The byte bound of each call here: ten messages. */
  private static final int BOUND = 10 * SIZE;

  private static final int TOTAL = 300;

  private final HandlerThreads threads = new HandlerThreads();
  private final ExecutorService delayer = Executors.newSingleThreadExecutor();

  @AfterEach
  void stopDelayer() {
    delayer.shutdownNow();
  }

  /**
   * A client interceptor delivers every callback later, in order, from a thread of its own (as
   * one that logs or decrypts asynchronously would). The client receives all, in order, then
   * end-of-stream; no recv waits 10 s.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void clientReceivesEverythingAnInterceptorDelivers(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING,
        (request, responses) -> {
          for (int i = 0; i < TOTAL; i++) {
            responses.send(msg(i));
          }
        }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            ClientInterceptors.intercept(server.channel(), delayingResponses(delayer)),
            SERVER_STREAMING,
            CallOptions.DEFAULT.withOption(BlockingClientCalls.MAX_BUFFERED_BYTES, 3 * 8),
            new Metadata(), msg("go"))) {
      for (int i = 0; i < TOTAL; i++) {
        assertThat(stream.recv(10, TimeUnit.SECONDS)).as("response %d", i).isEqualTo(msg(i));
      }
      assertThat(stream.recv(10, TimeUnit.SECONDS)).as("end-of-stream").isNull();
    }
  }

  /** As above, and the client stops after one: the call holds its bound plus one. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void clientHoldsItsBoundWhenAnInterceptorDeliversLater(Transport transport)
      throws Exception {
    AtomicInteger delivered = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING,
        (request, responses) -> {
          for (int i = 0; i < TOTAL; i++) {
            responses.send(ITEM);
          }
        }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            ClientInterceptors.intercept(server.channel(), delayingResponses(delayer),
                ResponseFilter.counting(delivered)),
            SERVER_STREAMING,
            CallOptions.DEFAULT.withOption(BlockingClientCalls.MAX_BUFFERED_BYTES, BOUND),
            new Metadata(), msg("go"))) {
      assertThat(stream.recv()).isEqualTo(ITEM);
      Thread sender = threads.awaitOnly();
      awaitQuiet(delivered::get, () -> !sender.isAlive() || isWaitingIn(sender, "send"));
      assertThat(delivered.get() - 1)
          .as("responses of %d bytes held unread against a bound of %d bytes", SIZE, BOUND)
          .isLessThanOrEqualTo(11);
    }
  }

  /** A server interceptor delivers every callback later from a thread of its own. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void serverHoldsItsBoundWhenAnInterceptorDeliversLater(Transport transport)
      throws Exception {
    DeliveryCounter counter = new DeliveryCounter();
    CountDownLatch release = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      stream.recv();
      release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }, threads.options().withMaxBufferedBytes(BOUND));
    try (TestServer server = TestServer.start(transport, service(handler), counter,
        delayingRequests(delayer))) {
      RawCall raw = RawCall.start(server.channel(), BIDI);
      for (int i = 0; i < TOTAL; i++) {
        raw.send(ITEM);
      }
      awaitQuiet(counter::delivered, () -> counter.delivered() > 1);
      int held = counter.delivered() - 1;
      release.countDown();
      raw.cancel("done");
      assertThat(held).as("requests held unread against a bound of %d bytes", BOUND)
          .isLessThanOrEqualTo(11);
    }
  }

  /** Runs the order probe a few more times over Netty, where reads take places. */
  @RepeatedTest(5)
  void delayedResponsesArriveInOrderRepeatedly() throws Exception {
    clientReceivesEverythingAnInterceptorDelivers(Transport.NETTY);
  }

  /**
   * A timed recv must time out while callbacks keep coming: the server streams responses without
   * end, a client interceptor drops them all, and a sender is stuck in send (so that every
   * callback queues for the call's waiting threads). recv(200 ms) must throw TimeoutException
   * within 5 s. (The client's awaitOnce runs queued callbacks before it looks at the time left.)
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void timedRecvTimesOutWhileDroppedResponsesKeepComing(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      for (int i = 0; ; i++) {
        stream.send(ITEM);
      }
    }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler))) {
      for (int run = 0; run < 3; run++) {
        try (ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            ClientInterceptors.intercept(server.channel(),
                ResponseFilter.passing(index -> false, false)), BIDI,
            CallOptions.DEFAULT, new Metadata())) {
          AtomicInteger sent = new AtomicInteger();
          Thread sender = Thread.ofVirtual().start(() -> {
            try {
              for (int i = 0; stream.send(TestMethods.big(i)); i++) {
                sent.incrementAndGet();
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
          TestServer.awaitStuckIn(sender, "send", sent::get);
          java.util.concurrent.CompletableFuture<Object> outcome =
              new java.util.concurrent.CompletableFuture<>();
          long start = System.nanoTime();
          Thread.ofVirtual().start(() -> {
            try {
              outcome.complete(stream.recv(200, TimeUnit.MILLISECONDS));
            } catch (Exception e) {
              outcome.complete(e);
            }
          });
          Object got = outcome.get(5, TimeUnit.SECONDS);
          assertThat(got).as("run %d, after %d ms", run,
              (System.nanoTime() - start) / 1_000_000)
              .isInstanceOf(java.util.concurrent.TimeoutException.class);
        }
      }
    }
  }

  // ---- helpers ----

  /** Waits until {@code ready} holds and {@code count} then stays put for {@link #QUIET}. */
  static void awaitQuiet(java.util.function.IntSupplier count, BooleanSupplier ready) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    for (;;) {
      int before = count.getAsInt();
      boolean wasReady = ready.getAsBoolean();
      long quietEnd = System.nanoTime() + QUIET.toNanos();
      while (count.getAsInt() == before && System.nanoTime() - quietEnd < 0) {
        LockSupport.parkNanos(Duration.ofMillis(2).toNanos()); // watching: nothing should come
      }
      if (wasReady && count.getAsInt() == before && ready.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("deliveries never settled at " + count.getAsInt());
      }
    }
  }

  /** Forwards every listener callback, in order, through {@code executor}. */
  private static ServerInterceptor delayingRequests(ExecutorService executor) {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        ServerCall.Listener<ReqT> inner = next.startCall(call, headers);
        return new ServerCall.Listener<>() {
          @Override
          public void onMessage(ReqT message) {
            executor.execute(() -> inner.onMessage(message));
          }

          @Override
          public void onHalfClose() {
            executor.execute(inner::onHalfClose);
          }

          @Override
          public void onCancel() {
            executor.execute(inner::onCancel);
          }

          @Override
          public void onComplete() {
            executor.execute(inner::onComplete);
          }

          @Override
          public void onReady() {
            executor.execute(inner::onReady);
          }
        };
      }
    };
  }

  /** Forwards every listener callback, in order, through {@code executor}. */
  private static ClientInterceptor delayingResponses(ExecutorService executor) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            super.start(new ClientCall.Listener<RespT>() {
              @Override
              public void onHeaders(Metadata received) {
                executor.execute(() -> listener.onHeaders(received));
              }

              @Override
              public void onMessage(RespT message) {
                executor.execute(() -> listener.onMessage(message));
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                executor.execute(() -> listener.onClose(status, trailers));
              }

              @Override
              public void onReady() {
                executor.execute(listener::onReady);
              }
            }, headers);
          }
        };
      }
    };
  }

  static int seqOf(Message m) {
    return seq(m);
  }
}
