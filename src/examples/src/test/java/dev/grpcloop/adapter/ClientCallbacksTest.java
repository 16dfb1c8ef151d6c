package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.big;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitStuckIn;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Where a client call's callbacks run ({@link CallbackExecutor}): on the application thread
 * parked in recv, send or headers, whenever one is, so that no third thread hands the response
 * over; and without anybody parked, at once, so that a call nobody waits in still reads ahead and
 * still ends. An interceptor on the client's channel records the thread of each callback.
 */
@Timeout(60)
class ClientCallbacksTest {

  private final HandlerThreads threads = new HandlerThreads();

  /** The thread each callback of the client's calls ran on, by callback. */
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Thread> closedOn = new CompletableFuture<>();
  private final CompletableFuture<Thread> headersOn = new CompletableFuture<>();

  private final ClientInterceptor recorder = new ClientInterceptor() {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          super.start(new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onHeaders(Metadata headers) {
              headersOn.complete(Thread.currentThread());
              super.onHeaders(headers);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              seen.add("onClose " + status.getCode());
              closedOn.complete(Thread.currentThread());
              super.onClose(status, trailers);
            }
          }, headers);
        }
      };
    }
  };

  /**
   * Twenty responses, each sent once the receiver is parked in recv: they are handed over on the
   * receiver's thread. Not every one need be: a callback that comes while the receiver is awake
   * between two of its waits (running another callback, or on its way back) runs at once on the
   * transport's thread, by design; so the test asks for most, not all.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void responsesAreHandedOverOnTheThreadParkedInRecv(Transport transport) throws Exception {
    int responses = 20;
    Semaphore permits = new Semaphore(0);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      for (int i = 0; i < responses; i++) {
        permits.acquire();
        stream.send(msg(i));
      }
      stream.recv();
    }, threads.options());
    List<Thread> messageThreads = new CopyOnWriteArrayList<>();
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            ClientInterceptors.intercept(server.channel(), recording(messageThreads)), BIDI)) {
      CompletableFuture<Integer> received = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().name("receiver").start(() -> {
        try {
          int n = 0;
          while (n < responses && stream.recv() != null) {
            n++;
          }
          received.complete(n);
        } catch (Exception e) {
          received.completeExceptionally(e);
        }
      });
      awaitStuckIn(receiver, "recv", messageThreads::size); // the call's start has settled
      for (int i = 0; i < responses; i++) {
        awaitWaitingIn(receiver, "recv");
        permits.release();
        int next = i + 1;
        TestServer.awaitUntil("response " + i + " delivered", () -> messageThreads.size() >= next
            || received.isDone());
      }

      assertThat(await(received)).isEqualTo(responses);
      long onReceiver = messageThreads.stream().filter(t -> t == receiver).count();
      System.out.printf("%s: %d of %d responses handed over on the receiver's thread%n",
          transport, onReceiver, responses);
      assertThat(onReceiver).as("responses handed over on the receiver's thread, of %d (%s)",
          responses, messageThreads).isGreaterThan(responses / 2);
      stream.closeSend();
      assertThat(stream.recv()).isNull();
    }
  }

  /** An interceptor that records the thread of each onMessage of its calls. */
  private static ClientInterceptor recording(List<Thread> messageThreads) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(RespT message) {
                messageThreads.add(Thread.currentThread());
                super.onMessage(message);
              }
            }, headers);
          }
        };
      }
    };
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void headersRunTheCallbacksTheyWaitFor(Transport transport) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      go.await();
      stream.sendHeaders(new Metadata());
      stream.recv();
    }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            ClientInterceptors.intercept(server.channel(), recorder), BIDI)) {
      CompletableFuture<Metadata> headers = new CompletableFuture<>();
      Thread waiter = Thread.ofVirtual().name("headers-waiter").start(() -> {
        try {
          headers.complete(stream.headers());
        } catch (Exception e) {
          headers.completeExceptionally(e);
        }
      });
      awaitStuckIn(waiter, "headers", seen::size); // the call's start has settled
      go.countDown();

      assertThat(await(headers)).isNotNull();
      assertThat(await(headersOn)).as("onHeaders ran on").isSameAs(waiter);
      stream.closeSend();
      assertThat(stream.recv()).isNull();
      assertThat(stream.trailers()).isNotNull();
    }
  }

  /**
   * Nobody waits in the call while the server answers and ends it: the responses are read ahead
   * all the same, and grpc's end of the call runs at once, not when somebody next calls recv.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCallNobodyWaitsInStillReadsAheadAndEnds(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      for (int i = 0; i < 5; i++) {
        stream.send(msg(i));
      }
    }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            ClientInterceptors.intercept(server.channel(), recorder), BIDI)) {
      assertThat(await(closedOn)).as("onClose ran without a thread in the call").isNotNull();
      assertThat(seen).containsExactly("onClose OK");
      for (int i = 0; i < 5; i++) {
        assertThat(stream.recv().getText()).isEqualTo("m" + i);
      }
      assertThat(stream.recv()).isNull();
    }
    threads.assertAllEnded();
  }

  /** A close from another thread ends a waiting receiver, and grpc's end still runs after it. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void closeFromAnotherThreadEndsTheWaiterAndTheCall(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      stream.recv(); // until the client's cancel
    }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler))) {
      ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
          ClientInterceptors.intercept(server.channel(), recorder), BIDI);
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().start(() -> outcome.complete(catchThrowable(stream::recv)));
      awaitWaitingIn(receiver, "recv");

      Thread.ofVirtual().start(stream::close).join();

      // A close reads as a cancel: the waiter gets the checked outcome a later recv gets.
      assertThat(await(outcome)).isInstanceOfSatisfying(StatusException.class, e ->
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
      assertThat(await(closedOn)).as("onClose ran after the close").isNotNull();
      assertThat(seen).containsExactly("onClose CANCELLED");
    }
    threads.assertAllEnded();
  }

  /**
   * A sender held by backpressure and a receiver, both waiting at once: the server's reading
   * frees the sender (onReady), its answer frees the receiver, whichever of them runs which.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aWaitingSenderAndAWaitingReceiverBothMoveOn(Transport transport) throws Exception {
    CountDownLatch read = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      read.await();
      int n = 0;
      while (stream.recv() != null) {
        n++;
      }
      stream.send(msg("received " + n));
    }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      AtomicInteger sent = new AtomicInteger();
      int total = 200;
      Thread sender = stream.startSender(() -> {
        for (int i = 0; i < total; i++) {
          assertThat(stream.send(big(i))).isTrue();
          sent.incrementAndGet();
        }
      });
      CompletableFuture<Message> answer = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().start(() -> {
        try {
          answer.complete(stream.recv());
        } catch (Exception e) {
          answer.completeExceptionally(e);
        }
      });
      awaitStuckIn(sender, "send", sent::get);
      awaitWaitingIn(receiver, "recv");

      read.countDown();

      assertThat(await(answer).getText()).isEqualTo("received " + total);
      sender.join(PATIENCE);
      assertThat(sender.isAlive()).isFalse();
      assertThat(stream.recv()).isNull();
    }
    threads.assertAllEnded();
  }
}
