package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.await;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: with the default thread factory the handler runs on a virtual thread, inside the
 * call's {@link Context}: it sees the deadline, values that interceptors put in the Context, and
 * the Context's cancellation.
 */
@Timeout(60)
class ServerContextTest {

  private static final Context.Key<String> VALUE = Context.key("test-value");

  /** Puts a value in the call's Context, the standard way. */
  private static final ServerInterceptor PUT_VALUE = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return Contexts.interceptCall(
          Context.current().withValue(VALUE, "from the interceptor"), call, headers, next);
    }
  };

  /** What a handler saw of its thread and Context. */
  private record Seen(boolean virtual, Deadline deadline, String value, boolean cancelled) {
    static Seen now() {
      Context context = Context.current();
      return new Seen(Thread.currentThread().isVirtual(), context.getDeadline(), VALUE.get(),
          context.isCancelled());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryHandlerRunsOnAVirtualThreadInTheCallsContext(Transport transport) throws Exception {
    CompletableFuture<Seen> seen = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      seen.complete(Seen.now());
      return request;
    }, Bind.options());

    try (TestServer server = TestServer.start(transport, service(handler), PUT_VALUE)) {
      Message response = BlockingClientCalls.unary(server.channel(), UNARY,
          CallOptions.DEFAULT.withDeadlineAfter(30, SECONDS), msg("hello"));
      assertThat(response.getText()).isEqualTo("hello");
    }
    assertSeenInCallContext(await(seen));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void bidiHandlerRunsOnAVirtualThreadInTheCallsContextAndSeesItCancelled(Transport transport)
      throws Exception {
    CompletableFuture<Seen> seen = new CompletableFuture<>();
    CountDownLatch contextCancelled = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      seen.complete(Seen.now());
      Context.current().addListener(context -> contextCancelled.countDown(), Runnable::run);
      stream.recv(); // throws when the client cancels
    }, Bind.options());

    try (TestServer server = TestServer.start(transport, service(handler), PUT_VALUE)) {
      RawCall call = RawCall.start(server.channel(), BIDI,
          CallOptions.DEFAULT.withDeadlineAfter(30, SECONDS), new Metadata());
      assertSeenInCallContext(await(seen));
      call.cancel("the test cancels");

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(contextCancelled.await(PATIENCE.toMillis(), MILLISECONDS))
          .as("the handler's Context is cancelled with the call").isTrue();
    }
  }

  /**
   * A send changes nothing of the sending thread's Context: after it the handler's Context is the
   * same object as before, and a Context the handler makes current around a send is the one a
   * server interceptor's {@code sendMessage} runs in.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aSendLeavesTheSendersContextAsItWas(Transport transport) throws Exception {
    List<String> seenBySendMessage = new CopyOnWriteArrayList<>();
    ServerInterceptor recordValue = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        return next.startCall(new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(RespT message) {
            seenBySendMessage.add(String.valueOf(VALUE.get()));
            super.sendMessage(message);
          }
        }, headers);
      }
    };
    CompletableFuture<List<Boolean>> sameAfter = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      Context before = Context.current();
      stream.send(msg("first"));
      boolean sameAfterFirst = Context.current() == before;
      Context around = before.withValue(VALUE, "around the send");
      around.call(() -> {
        stream.send(msg("second"));
        return null;
      });
      sameAfter.complete(List.of(sameAfterFirst, Context.current() == before));
    }, Bind.options());

    try (TestServer server = TestServer.start(transport, service(handler), recordValue, PUT_VALUE)) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      call.request(2);
      call.halfClose();
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    }
    assertThat(await(sameAfter)).as("the handler's Context after each send is the one before")
        .containsExactly(true, true);
    assertThat(seenBySendMessage).containsExactly("from the interceptor", "around the send");
  }

  /**
   * A response that a server interceptor sends itself, outside any send of the handler's (here
   * from its listener, at the half-close), has no call's watch in its Context: the response
   * marshaller serializes it as it is.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aResponseAnInterceptorSendsItselfGoesOutAsItIs(Transport transport) throws Exception {
    ServerInterceptor answerAtHalfClose = new ServerInterceptor() {
      @Override
      @SuppressWarnings("unchecked") // the test's one method sends Message
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          @Override
          public void onHalfClose() {
            call.sendHeaders(new Metadata());
            call.sendMessage((RespT) msg("from the interceptor"));
            super.onHalfClose();
          }
        };
      }
    };
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      while (stream.recv() != null) {
        // sends nothing itself
      }
    }, Bind.options());

    try (TestServer server = TestServer.start(transport, service(handler), answerAtHalfClose)) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      call.request(1);
      call.halfClose();
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
      assertThat(call.messages()).extracting(Message::getText)
          .containsExactly("from the interceptor");
    }
  }

  private static void assertSeenInCallContext(Seen seen) {
    assertThat(seen.virtual()).as("runs on a virtual thread").isTrue();
    assertThat(seen.deadline()).as("the call's deadline").isNotNull();
    assertThat(seen.deadline().timeRemaining(MILLISECONDS)).isBetween(1L, 30_000L);
    assertThat(seen.value()).isEqualTo("from the interceptor");
    assertThat(seen.cancelled()).isFalse();
  }
}
