package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Context listener each client call registers. Many calls in one long-lived Context leave its
 * listener list as it was; so do a start that throws and a request that cannot be sent; a Context
 * already cancelled or past its deadline fails the call at once; a Context cancelled after the
 * call ended OK and was read to its end changes nothing.
 */
@Timeout(300)
class ClientContextListenerTest {

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor();

  @AfterAll
  static void stopTimer() {
    TIMER.shutdownNow();
  }

  /** grpc's package-private count of the listeners on a Context's cancellable ancestor. */
  static int listeners(Context context) {
    try {
      Method count = Context.class.getDeclaredMethod("listenerCount");
      count.setAccessible(true);
      return (int) count.invoke(context);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static int callsFor(Transport transport) {
    return transport == Transport.IN_PROCESS ? 10_000 : 2_000;
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void manyCallsInOneContextLeaveNoListenerBehind(Transport transport) throws Exception {
    ServerServiceDefinition service = ServerServiceDefinition.builder(TestMethods.SERVICE)
        .addMethod(BlockingServerCalls.unary(UNARY, (request, call) -> request, Bind.options()))
        .addMethod(BlockingServerCalls.serverStreaming(SERVER_STREAMING, (request, responses) -> {
          for (int i = 0; i < 3; i++) {
            responses.send(msg(i));
          }
        }, Bind.options()))
        .addMethod(BlockingServerCalls.bidiStreaming(BIDI, stream -> {
          for (Message m; (m = stream.recv()) != null; ) {
            stream.send(m);
          }
        }, Bind.options()))
        .build();
    try (TestServer server = TestServer.start(transport, service)) {
      Context.CancellableContext context = Context.current().withCancellation();
      Context previous = context.attach();
      try {
        int calls = callsFor(transport);
        for (int i = 0; i < calls; i++) {
          switch (i % 4) {
            case 0 -> BlockingClientCalls.unary(server.channel(), UNARY, msg(i));
            case 1 -> { // read to the end
              try (ClientRecvStream<Message> s = BlockingClientCalls.serverStreaming(
                  server.channel(), SERVER_STREAMING, msg(i))) {
                while (s.recv() != null) { }
              }
            }
            case 2 -> { // abandoned after one response: close cancels
              ClientRecvStream<Message> s = BlockingClientCalls.serverStreaming(
                  server.channel(), SERVER_STREAMING, msg(i));
              s.recv();
              s.close();
            }
            default -> { // bidi closed while running, never read to its end
              ClientStream<Message, Message> s = BlockingClientCalls.bidiStreaming(
                  server.channel(), BIDI);
              s.send(msg(i));
              s.recv();
              s.close();
            }
          }
        }
        awaitUntil("the Context has no listeners left (now " + listeners(context) + ")",
            () -> listeners(context) == 0);
      } finally {
        context.detach(previous);
        context.cancel(null);
      }
    }
  }

  /** A handler making calls in its own call's Context: the server's Context must not grow. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aHandlerMakingManyCallsLeavesItsContextAsItWas(Transport transport) throws Exception {
    CompletableFuture<List<Integer>> counts = new CompletableFuture<>();
    CompletableFuture<Channel> channel = new CompletableFuture<>();
    int calls = callsFor(transport) / 2;
    ServerServiceDefinition service = ServerServiceDefinition.builder(TestMethods.SERVICE)
        .addMethod(BlockingServerCalls.unary(UNARY, (request, call) -> request, Bind.options()))
        .addMethod(BlockingServerCalls.serverStreaming(SERVER_STREAMING, (request, responses) -> {
          List<Integer> seen = new ArrayList<>();
          seen.add(listeners(Context.current()));
          for (int i = 0; i < calls; i++) {
            BlockingClientCalls.unary(channel.get(), UNARY, msg(i));
          }
          seen.add(listeners(Context.current()));
          counts.complete(seen);
          responses.send(msg("done"));
        }, Bind.options()))
        .build();
    try (TestServer server = TestServer.start(transport, service)) {
      channel.complete(server.channel());
      try (ClientRecvStream<Message> s = BlockingClientCalls.serverStreaming(
          server.channel(), SERVER_STREAMING, msg("go"))) {
        assertThat(s.recv().getText()).isEqualTo("done");
        assertThat(s.recv()).isNull();
      }
      List<Integer> seen = await(counts);
      assertThat(seen.get(1)).as("listeners on the handler's Context before/after %d calls: %s",
          calls, seen).isEqualTo(seen.get(0));
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aStartThatThrowsLeavesNoListener(Transport transport) throws Exception {
    ClientInterceptor throwsInStart = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            throw new IllegalArgumentException("start refused");
          }
        };
      }
    };
    var service = Bind.unary(UNARY, (request, call) -> request);
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), throwsInStart);
      Context.CancellableContext context = Context.current().withCancellation();
      Context previous = context.attach();
      try {
        for (int i = 0; i < 100; i++) {
          assertThatThrownBy(() -> BlockingClientCalls.bidiStreaming(channel, BIDI))
              .hasMessage("start refused");
        }
        assertThat(listeners(context)).as("listeners after 100 failed starts").isZero();
      } finally {
        context.detach(previous);
        context.cancel(null);
      }
    }
  }

  /**
   * A unary call whose request an interceptor refuses (sendMessage throws, after start): the
   * adapter's start registered a listener and grpc's call runs, but the call object never
   * reaches the caller, who cannot close it.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aRequestThatCannotBeSentLeavesNoListenerAndNoCall(Transport transport) throws Exception {
    ClientInterceptor throwsInSend = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void sendMessage(ReqT message) {
            throw new IllegalArgumentException("request refused");
          }
        };
      }
    };
    HandlerThreads threads = new HandlerThreads();
    var service = Bind.unary(UNARY, (request, call) -> request, threads);
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), throwsInSend);
      Context.CancellableContext context = Context.current().withCancellation();
      Context previous = context.attach();
      try {
        assertThatThrownBy(() -> BlockingClientCalls.unary(channel, UNARY, msg("q")))
            .hasMessage("request refused");
        awaitUntil("no listener is left on the Context (now " + listeners(context) + ")",
            () -> listeners(context) == 0);
      } finally {
        context.detach(previous);
        context.cancel(null);
      }
      threads.assertNoneAlive();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aContextAlreadyCancelledFailsEveryKindAtOnce(Transport transport) throws Exception {
    var service = ServerServiceDefinition.builder(TestMethods.SERVICE)
        .addMethod(BlockingServerCalls.unary(UNARY, (request, call) -> request, Bind.options()))
        .addMethod(BlockingServerCalls.bidiStreaming(BIDI, stream -> {
          for (Message m; (m = stream.recv()) != null; ) {
            stream.send(m);
          }
        }, Bind.options()))
        .build();
    try (TestServer server = TestServer.start(transport, service)) {
      Context.CancellableContext cancelled = Context.current().withCancellation();
      cancelled.cancel(null);
      Context.CancellableContext expired = Context.current()
          .withDeadlineAfter(-1, TimeUnit.SECONDS, TIMER);
      List<String> got = new ArrayList<>();
      for (Context.CancellableContext context : List.of(cancelled, expired)) {
        Context previous = context.attach();
        try {
          got.add(Outcomes.outcome(() -> BlockingClientCalls.unary(server.channel(), UNARY,
              msg("q"))));
          try (ClientStream<Message, Message> s =
              BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
            got.add("send " + Outcomes.outcome(() -> s.send(msg("x"))));
            got.add(Outcomes.outcome(s::recv));
          }
        } finally {
          context.detach(previous);
        }
        assertThat(listeners(context)).isZero();
      }
      assertThat(got).as("outcomes").satisfiesExactly(
          o -> assertThat(o).startsWith("StatusException CANCELLED"),
          o -> assertThat(o).isEqualTo("send returned false"),
          o -> assertThat(o).startsWith("StatusException CANCELLED"),
          o -> assertThat(o).startsWith("StatusException DEADLINE_EXCEEDED"),
          o -> assertThat(o).isEqualTo("send returned false"),
          o -> assertThat(o).startsWith("StatusException DEADLINE_EXCEEDED"));
    }
  }

  /** A call that ended OK and whose end recv returned stays a success when its Context ends. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCompletedCallStaysASuccessWhenItsContextIsCancelled(Transport transport)
      throws Exception {
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      for (int i = 0; i < 3; i++) {
        responses.send(msg(i));
      }
    }, new HandlerThreads());
    ListenerProbe watch = ListenerProbe.recording();
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), watch);
      Context.CancellableContext context = Context.current().withCancellation();
      Context previous = context.attach();
      ClientRecvStream<Message> s;
      try {
        s = BlockingClientCalls.serverStreaming(channel, SERVER_STREAMING, CallOptions.DEFAULT,
            new Metadata(), msg("go"));
      } finally {
        context.detach(previous);
      }
      try (s) {
        // grpc ended it OK; the responses wait in the call, none received yet.
        assertThat(await(watch.closed).isOk()).isTrue();
        context.cancel(null);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          got.add(Outcomes.outcome(s::recv));
        }
        assertThat(got).containsExactly("returned m0", "returned m1", "returned m2",
            "returned null");
        assertThat(s.trailers()).isNotNull();
      }
    }
  }
}
