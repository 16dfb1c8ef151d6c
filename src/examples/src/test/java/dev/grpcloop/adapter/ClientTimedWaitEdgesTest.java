package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCalls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Timed waits with tiny, negative and huge timeouts (Long.MAX_VALUE nanoseconds, and
 * days), and interrupts of threads waiting in response(), closeAndRecv(), headers() and
 * trailers(). A timeout or an interrupt leaves the call going on; a response already received is
 * kept for the next try.
 */
@Timeout(120)
class ClientTimedWaitEdgesTest {

  @ParameterizedTest
  @EnumSource(Transport.class)
  void recvWithExtremeTimeouts(Transport transport) throws Exception {
    CountDownLatch more = new CountDownLatch(1);
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      responses.send(msg(0));
      more.await();
      responses.send(msg(1));
    }, Thread.ofVirtual().factory());
    try (TestServer server = TestServer.start(transport, service)) {
      ClientRecvStream<Message> call = BlockingClientCalls.serverStreaming(server.channel(),
          SERVER_STREAMING, msg(0));
      assertThat(call.recv(Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isEqualTo(msg(0));
      assertThatThrownBy(() -> call.recv(-1, TimeUnit.SECONDS))
          .isInstanceOf(TimeoutException.class);
      assertThatThrownBy(() -> call.recv(0, TimeUnit.NANOSECONDS))
          .isInstanceOf(TimeoutException.class);
      assertThatThrownBy(() -> call.recv(1, TimeUnit.NANOSECONDS))
          .isInstanceOf(TimeoutException.class);
      assertThatThrownBy(() -> call.recv(Long.MIN_VALUE, TimeUnit.DAYS))
          .isInstanceOf(TimeoutException.class);
      CompletableFuture<Message> next = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().start(() -> {
        try {
          next.complete(call.recv(Long.MAX_VALUE, TimeUnit.DAYS));
        } catch (Throwable t) {
          next.completeExceptionally(t);
        }
      });
      CallWaits.awaitParked(receiver); // a timed wait: TIMED_WAITING
      more.countDown();
      assertThat(TestServer.await(next)).isEqualTo(msg(1));
      assertThat(call.recv(Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isNull();
      assertThat(call.trailers()).isNotNull();
    }
  }

  /**
   * The client's unary view of a server-streaming method: grpc's server flushes a unary call's
   * headers and response only with its end, so the client would see neither until release; a
   * server-streaming one flushes each message.
   */
  private static final io.grpc.MethodDescriptor<Message, Message> UNARY =
      SERVER_STREAMING.toBuilder().setType(io.grpc.MethodDescriptor.MethodType.UNARY).build();

  /** A raw server for that view: the response at once, the status only when released. */
  private static ServerServiceDefinition respondThenWait(CountDownLatch release, Status status) {
    return TestMethods.service(io.grpc.ServerMethodDefinition.create(SERVER_STREAMING,
        ServerCalls.asyncServerStreamingCall((request, observer) -> {
          observer.onNext(msg(7));
          Thread.ofVirtual().start(() -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            if (status.isOk()) {
              observer.onCompleted();
            } else {
              observer.onError(status.asException());
            }
          });
        })));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void responseKeptAcrossTimeoutsAndInterrupts(Transport transport) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (TestServer server = TestServer.start(transport, respondThenWait(release, Status.OK))) {
      ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(server.channel(), UNARY,
          CallOptions.DEFAULT, new Metadata(), msg(0));
      assertThat(call.headers()).isNotNull();
      assertThatThrownBy(() -> call.response(-5, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      assertThatThrownBy(() -> call.response(20, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      // An interrupt of a thread inside response(), and of one inside trailers().
      CompletableFuture<Throwable> inResponse = new CompletableFuture<>();
      CompletableFuture<Throwable> inTrailers = new CompletableFuture<>();
      Thread responder = Thread.ofVirtual().start(() -> {
        try {
          call.response();
          inResponse.complete(null);
        } catch (Throwable t) {
          inResponse.complete(t);
        }
      });
      Thread trailerWaiter = Thread.ofVirtual().start(() -> {
        try {
          call.trailers();
          inTrailers.complete(null);
        } catch (Throwable t) {
          inTrailers.complete(t);
        }
      });
      TestServer.awaitWaitingIn(responder, "response");
      TestServer.awaitWaitingIn(trailerWaiter, "trailers");
      responder.interrupt();
      trailerWaiter.interrupt();
      assertThat(TestServer.await(inResponse)).isInstanceOf(InterruptedException.class);
      assertThat(TestServer.await(inTrailers)).isInstanceOf(InterruptedException.class);
      release.countDown();
      assertThat(call.response(Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isEqualTo(msg(7));
      assertThat(call.trailers()).isNotNull();
      call.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void heldResponseThenServerError(Transport transport) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Status error = Status.DEADLINE_EXCEEDED.withDescription("downstream timed out");
    try (TestServer server = TestServer.start(transport, respondThenWait(release, error))) {
      ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(server.channel(), UNARY,
          CallOptions.DEFAULT, new Metadata(), msg(0));
      assertThat(call.headers()).isNotNull();
      assertThatThrownBy(() -> call.response(30, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      release.countDown();
      assertThatThrownBy(call::response).isInstanceOf(StatusException.class)
          .extracting(e -> ((StatusException) e).getStatus().getDescription())
          .isEqualTo("downstream timed out");
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void heldResponseThenClose(Transport transport) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (TestServer server = TestServer.start(transport, respondThenWait(release, Status.OK))) {
      ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(server.channel(), UNARY,
          CallOptions.DEFAULT, new Metadata(), msg(0));
      assertThat(call.headers()).isNotNull();
      assertThatThrownBy(() -> call.response(30, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      call.close();
      assertThatThrownBy(call::response).isInstanceOf(StatusException.class)
          .extracting(e -> ((StatusException) e).getStatus().getCode())
          .isEqualTo(Status.Code.CANCELLED);
      release.countDown();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void closeAndRecvInterruptedThenAgain(Transport transport) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    var service = Bind.clientStreaming(CLIENT_STREAMING, requests -> {
      int n = 0;
      while (requests.recv() != null) {
        n++;
      }
      release.await();
      return msg(n);
    });
    try (TestServer server = TestServer.start(transport, service)) {
      ClientSendStream<Message, Message> call =
          BlockingClientCalls.clientStreaming(server.channel(), CLIENT_STREAMING);
      assertThat(call.send(msg(0), Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isTrue();
      assertThat(call.send(msg(1), -1, TimeUnit.DAYS)).isTrue(); // ready: no wait needed
      assertThatThrownBy(() -> call.closeAndRecv(0, TimeUnit.SECONDS))
          .isInstanceOf(TimeoutException.class);
      CompletableFuture<Throwable> waiting = new CompletableFuture<>();
      Thread t = Thread.ofVirtual().start(() -> {
        try {
          call.closeAndRecv();
          waiting.complete(null);
        } catch (Throwable e) {
          waiting.complete(e);
        }
      });
      TestServer.awaitWaitingIn(t, "closeAndRecv");
      t.interrupt();
      assertThat(TestServer.await(waiting)).isInstanceOf(InterruptedException.class);
      release.countDown();
      assertThat(call.closeAndRecv(Long.MAX_VALUE, TimeUnit.DAYS)).isEqualTo(msg(2));
      call.close();
    }
  }
}
