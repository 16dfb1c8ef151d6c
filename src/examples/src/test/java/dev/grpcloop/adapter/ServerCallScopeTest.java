package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a handler sees of its call beyond recv and send: who called and how (attributes, authority,
 * method, deadline), its thread's name, timed recv and send that leave the call running, and
 * helper threads that run in the call's Context and never outlive it.
 */
@Timeout(60)
class ServerCallScopeTest {

  @Test
  void aHandlerSeesThePeerTheAuthorityTheMethodAndTheDeadline() throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      InetSocketAddress peer =
          (InetSocketAddress) call.attributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      Deadline deadline = call.deadline();
      seen.complete(peer.getAddress().isLoopbackAddress() + " " + call.authority() + " "
          + (call.method() == UNARY) + " " + (deadline != null
          && deadline.timeRemaining(TimeUnit.SECONDS) > 0) + " "
          + Thread.currentThread().getName());
      return request;
    });
    try (TestServer server = TestServer.start(Transport.NETTY, service(handler))) {
      BlockingClientCalls.unary(server.channel(), UNARY,
          CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.MINUTES), msg("hi"));
      String authority = server.channel().authority();
      assertThat(await(seen))
          .isEqualTo("true " + authority + " true true " + UNARY.getFullMethodName());
    }
  }

  @Test
  void aCallWithoutADeadlineHasNone() throws Exception {
    CompletableFuture<Deadline> seen = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      seen.complete(call.deadline());
      return request;
    });
    try (TestServer server = TestServer.start(Transport.IN_PROCESS, service(handler))) {
      BlockingClientCalls.unary(server.channel(), UNARY, msg("hi"));
      assertThat(await(seen)).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void timedRecvAndSendTimeOutAndTheCallGoesOn(Transport transport) throws Exception {
    CompletableFuture<String> timedOut = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      try {
        stream.recv(10, TimeUnit.MILLISECONDS);
        timedOut.complete("recv returned");
      } catch (TimeoutException e) {
        timedOut.complete("recv timed out");
      }
      Message request = stream.recv(); // the call went on: the client's message still comes
      stream.send(request, 1, TimeUnit.MINUTES);
    }, Bind.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      assertThat(await(timedOut)).isEqualTo("recv timed out");
      assertThat(catchThrowableOfType(TimeoutException.class,
          () -> stream.recv(10, TimeUnit.MILLISECONDS))).isNotNull();
      assertThat(stream.send(msg("after the timeouts"))).isTrue();
      assertThat(stream.recv(1, TimeUnit.MINUTES).getText()).isEqualTo("after the timeouts");
      stream.closeSend();
      assertThat(stream.recv()).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aTimedSendWhileTheClientDoesNotReadTimesOut(Transport transport) throws Exception {
    CompletableFuture<Integer> sentBeforeTimeout = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      for (int i = 0; ; i++) {
        try {
          stream.send(TestMethods.big(i), 50, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          sentBeforeTimeout.complete(i);
          return;
        }
      }
    }, Bind.options());
    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI); // requests nothing
      assertThat(await(sentBeforeTimeout)).isLessThan(1_000);
      call.request(Integer.MAX_VALUE); // grpc delivers the status after the messages before it
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aHelperRunsInTheCallsContextAndEndsBeforeTheCallCloses(Transport transport)
      throws Exception {
    Context.Key<String> key = Context.key("test-key");
    AtomicBoolean helperEnded = new AtomicBoolean();
    CompletableFuture<Boolean> helperEndedAtClose = new CompletableFuture<>();
    CompletableFuture<String> helperSaw = new CompletableFuture<>();
    CountDownLatch helperWaits = new CountDownLatch(1);
    ServerInterceptor putValueAndWatchClose = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
          Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        ServerCall<ReqT, RespT> watched = new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            helperEndedAtClose.complete(helperEnded.get());
            super.close(status, trailers);
          }
        };
        return io.grpc.Contexts.interceptCall(
            Context.current().withValue(key, "from the interceptor"), watched, headers, next);
      }
    };
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      stream.fork(() -> {
        try {
          helperSaw.complete(key.get());
          helperWaits.countDown();
          new CountDownLatch(1).await(); // until interrupted
        } finally {
          helperEnded.set(true);
        }
      });
      helperWaits.await();
      // returns: the helper is interrupted, and the call closes once it has ended
    }, Bind.options());
    try (TestServer server = TestServer.start(transport, service(handler), putValueAndWatchClose);
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      assertThat(stream.recv()).isNull();
      assertThat(await(helperSaw)).isEqualTo("from the interceptor");
      assertThat(await(helperEndedAtClose)).as("the helper ended before the call closed").isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aFailingHelperFailsTheCallAndWakesTheHandler(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    CompletableFuture<Throwable> handlerGot = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      Thread handlerThread = Thread.currentThread();
      stream.fork(() -> {
        awaitWaitingIn(handlerThread, "recv");
        throw Status.FAILED_PRECONDITION.withDescription("the helper failed").asException();
      });
      try {
        stream.recv(); // the client sends nothing: only the helper's failure ends this
      } catch (Exception e) {
        handlerGot.complete(e);
        throw e;
      }
    }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      StatusException e = catchThrowableOfType(StatusException.class, stream::recv);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription()).isEqualTo("the helper failed");
      assertThat(await(handlerGot)).isInstanceOf(InterruptedException.class);
      threads.assertAllEnded();
    }
  }

  @Test
  void forkAfterTheHandlerFinishedIsMisuse() throws Exception {
    CompletableFuture<ServerStream<Message, Message>> leaked = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, leaked::complete);
    try (TestServer server = TestServer.start(Transport.IN_PROCESS, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      assertThat(stream.recv()).isNull();
      IllegalStateException e = catchThrowableOfType(IllegalStateException.class,
          () -> await(leaked).fork(() -> { }));
      assertThat(e).hasMessageContaining("after the handler finished");
    }
  }
}
