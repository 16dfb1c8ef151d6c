package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.SERVICE;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A unary or server-streaming handler starts once its request is complete, as grpc's own
 * ServerCalls invoke such a method: each scenario (a cancel or deadline before the half-close,
 * zero or two requests, interceptors that drop, move, throw, close or ask for more) runs against
 * the adapter and against grpc's ServerCalls, and the client must see the same status, and the
 * handler run as often, from both; no adapter handler thread may outlive the call.
 */
@Timeout(60)
class ServerSingleRequestAsGrpcTest {

  private static final Context.Key<String> VALUE = Context.key("value");

  private final AtomicInteger ran = new AtomicInteger();

  /** The current run's end recorder. */
  private volatile EndSeen current;

  /** Waits until the server's listener chain has taken the first message. */
  private void awaitServerMessage() {
    try {
      current.messageSeen.get(TestServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the server never saw the message", e);
    }
  }

  private enum Impl { ADAPTER, GRPC }

  /** What the client saw, and what the server's outermost listener saw last. */
  private record Outcome(Status.Code code, String description, List<Message> messages) {
    @Override
    public String toString() {
      return code + " \"" + description + "\" " + messages.stream().map(Message::getText)
          .toList();
    }
  }

  private ServerServiceDefinition service(Impl impl, HandlerThreads threads) {
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(SERVICE);
    if (impl == Impl.ADAPTER) {
      builder.addMethod(BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
        ran.incrementAndGet();
        return msg(request.getText() + "|" + VALUE.get());
      }, threads.options()));
      builder.addMethod(BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING,
          (request, responses) -> {
            ran.incrementAndGet();
            responses.send(msg(request.getText() + "|" + VALUE.get()));
          }, threads.options()));
    } else {
      builder.addMethod(UNARY, ServerCalls.<Message, Message>asyncUnaryCall((request, obs) -> {
        ran.incrementAndGet();
        obs.onNext(msg(request.getText() + "|" + VALUE.get()));
        obs.onCompleted();
      }));
      builder.addMethod(SERVER_STREAMING,
          ServerCalls.<Message, Message>asyncServerStreamingCall((request, obs) -> {
            ran.incrementAndGet();
            obs.onNext(msg(request.getText() + "|" + VALUE.get()));
            obs.onCompleted();
          }));
    }
    return builder.build();
  }

  /** Records, after passing each on, the call's first message and its end, as grpc told them. */
  private static final class EndSeen implements ServerInterceptor {
    final CompletableFuture<String> ended = new CompletableFuture<>();
    final CompletableFuture<Void> messageSeen = new CompletableFuture<>();

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onMessage(ReqT m) {
          super.onMessage(m);
          messageSeen.complete(null);
        }

        @Override
        public void onCancel() {
          super.onCancel();
          ended.complete("onCancel");
        }

        @Override
        public void onComplete() {
          super.onComplete();
          ended.complete("onComplete");
        }
      };
    }
  }

  /** Wraps the listener with {@code wrap}, after Contexts puts VALUE in the call's Context. */
  private static ServerInterceptor listener(
      BiFunction<ServerCall<?, ?>, ServerCall.Listener<Object>,
          ServerCall.Listener<Object>> wrap) {
    return new ServerInterceptor() {
      @Override
      @SuppressWarnings("unchecked")
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        ServerCall.Listener<ReqT> inner = next.startCall(call, headers);
        return (ServerCall.Listener<ReqT>) (ServerCall.Listener<?>)
            wrap.apply(call, (ServerCall.Listener<Object>) (ServerCall.Listener<?>) inner);
      }
    };
  }

  private static final ServerInterceptor PUT_VALUE = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return Contexts.interceptCall(Context.current().withValue(VALUE, "ctx"), call, headers,
          next);
    }
  };

  private Outcome run(Transport transport, Impl impl, MethodDescriptor<Message, Message> method,
      CallOptions options, Consumer<RawCall> client, ServerInterceptor... inner)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    EndSeen end = new EndSeen();
    current = end;
    List<ServerInterceptor> all = new ArrayList<>(List.of(inner));
    all.add(PUT_VALUE);
    all.add(end); // the last sees the call first: outermost
    Outcome outcome;
    try (TestServer server = TestServer.start(transport, service(impl, threads),
        all.toArray(new ServerInterceptor[0]))) {
      // A deadline counts from each run's own start (CallOptions holds an absolute one).
      CallOptions fresh = options.getDeadline() == null ? options
          : options.withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
      RawCall call = RawCall.start(server.channel(), method, fresh, new Metadata());
      call.request(10);
      client.accept(call);
      Status status = call.awaitStatus();
      outcome = new Outcome(status.getCode(), status.getDescription(), call.messages());
      end.ended.get(TestServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      if (impl == Impl.ADAPTER) {
        threads.assertNoneAlive();
      }
    }
    return outcome;
  }

  /**
   * Runs {@code client} against the adapter and against grpc's ServerCalls, for a unary and for a
   * server-streaming method: the client must see the same status from both, and the same
   * messages unless the call was cancelled, and the handler must run as often.
   */
  private void sameAsGrpc(Transport transport, CallOptions options, Consumer<RawCall> client,
      ServerInterceptor... inner) throws Exception {
    for (MethodDescriptor<Message, Message> method : List.of(UNARY, SERVER_STREAMING)) {
      ran.set(0);
      Outcome adapter = run(transport, Impl.ADAPTER, method, options, client, inner);
      int adapterRan = ran.getAndSet(0);
      Outcome grpc = run(transport, Impl.GRPC, method, options, client, inner);
      assertThat(adapter.code()).as("%s, adapter vs grpc: %s vs %s", method, adapter, grpc)
          .isEqualTo(grpc.code());
      if (grpc.code() != Status.Code.CANCELLED && grpc.code() != Status.Code.DEADLINE_EXCEEDED) {
        assertThat(adapter.description()).as("adapter vs grpc").isEqualTo(grpc.description());
        assertThat(adapter.messages()).isEqualTo(grpc.messages());
      }
      assertThat(adapterRan).as("handler runs").isEqualTo(ran.get());
    }
  }

  private static final CallOptions NONE = CallOptions.DEFAULT;

  /** How long a call with a deadline may run: it ends the call where nothing else does. */
  private static final long DEADLINE_MILLIS = 2000;

  private static final CallOptions WITH_DEADLINE =
      CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);

  /** A complete request: one message and the half-close. */
  private static final Consumer<RawCall> ONE_REQUEST = c -> {
    c.send(msg("a"));
    c.halfClose();
  };

  @ParameterizedTest
  @EnumSource(Transport.class)
  void ok(Transport t) throws Exception {
    sameAsGrpc(t, NONE, ONE_REQUEST);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelBeforeHalfClose(Transport t) throws Exception {
    sameAsGrpc(t, NONE, c -> {
      c.send(msg("a"));
      awaitServerMessage();
      c.cancel("the client gives up");
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void deadlineBeforeHalfClose(Transport t) throws Exception {
    sameAsGrpc(t, WITH_DEADLINE, c -> {
      c.send(msg("a"));
      awaitServerMessage();
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void zeroMessages(Transport t) throws Exception {
    sameAsGrpc(t, NONE, RawCall::halfClose);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void twoMessagesThenHalfClose(Transport t) throws Exception {
    sameAsGrpc(t, NONE, c -> {
      c.send(msg("a"));
      c.send(msg("b"));
      c.halfClose();
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void twoMessagesNoHalfClose(Transport t) throws Exception {
    sameAsGrpc(t, WITH_DEADLINE, c -> {
      c.send(msg("a"));
      c.send(msg("b"));
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void interceptorDropsHalfClose(Transport t) throws Exception {
    sameAsGrpc(t, WITH_DEADLINE, ONE_REQUEST.andThen(c -> awaitServerMessage()),
        listener((call, l) -> new SimpleForwardingServerCallListener<>(l) {
          @Override
          public void onHalfClose() {}
        }));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void interceptorDropsMessage(Transport t) throws Exception {
    sameAsGrpc(t, NONE, ONE_REQUEST,
        listener((call, l) -> new SimpleForwardingServerCallListener<>(l) {
          @Override
          public void onMessage(Object message) {}
        }));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void interceptorDelaysHalfCloseToAnotherThread(Transport t) throws Exception {
    sameAsGrpc(t, NONE, ONE_REQUEST,
        listener((call, l) -> new SimpleForwardingServerCallListener<>(l) {
          @Override
          public void onHalfClose() {
            Thread.ofVirtual().start(Context.current().wrap(super::onHalfClose));
          }
        }));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void interceptorThrowsInHalfCloseBeforePassingItOn(Transport t) throws Exception {
    sameAsGrpc(t, NONE, ONE_REQUEST,
        listener((call, l) -> new SimpleForwardingServerCallListener<>(l) {
          @Override
          public void onHalfClose() {
            throw new IllegalStateException("the interceptor fails");
          }
        }));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void interceptorClosesTheCallInOnMessage(Transport t) throws Exception {
    sameAsGrpc(t, NONE, ONE_REQUEST,
        listener((call, l) -> new SimpleForwardingServerCallListener<>(l) {
          @Override
          public void onMessage(Object message) {
            call.close(Status.PERMISSION_DENIED.withDescription("no"), new Metadata());
          }
        }));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void interceptorRequestsMore(Transport t) throws Exception {
    sameAsGrpc(t, NONE, c -> {
      c.send(msg("a"));
      c.send(msg("b"));
      c.send(msg("c"));
      c.halfClose();
    }, new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
          Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        ServerCall.Listener<ReqT> listener = next.startCall(call, headers);
        call.request(5);
        return listener;
      }
    });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void contextCancelReachesAServerStreamingHandler(Transport t) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    CompletableFuture<Boolean> sawCancel = new CompletableFuture<>();
    ServerServiceDefinition service = TestMethods.service(
        BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING, (req, out) -> {
          out.send(msg(req.getText() + "|" + VALUE.get()));
          var cancelled = new CountDownLatch(1);
          Context.current().addListener(c -> cancelled.countDown(), Runnable::run);
          sawCancel.complete(cancelled.await(20, TimeUnit.SECONDS));
        }, threads.options()));
    try (TestServer server = TestServer.start(t, service, PUT_VALUE)) {
      RawCall call = RawCall.start(server.channel(), SERVER_STREAMING, NONE, new Metadata());
      call.request(1);
      call.send(msg("a"));
      call.halfClose();
      TestServer.awaitUntil("the first response", () -> !call.messages().isEmpty());
      call.cancel("the client gives up");
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(call.messages().get(0).getText()).isEqualTo("a|ctx");
      assertThat(sawCancel.get(20, TimeUnit.SECONDS)).as("the handler saw its Context cancelled")
          .isTrue();
      threads.assertAllEnded();
    }
  }
}
