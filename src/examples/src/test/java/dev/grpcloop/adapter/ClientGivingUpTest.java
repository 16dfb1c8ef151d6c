package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Only this side's cancel, close or deadline drops what is buffered, and then recv throws at once
 * (ClientRecvStream#recv's javadoc). This side's deadline or cancel can come
 * from more places than the CallOptions the adapter sees: a client interceptor that sets the
 * deadline (a "default deadline" interceptor), a Context deadline, a Context cancelled with a
 * cause that grpc turns into another code. The server sends 5 responses and keeps the call open;
 * the client takes none until grpc has handed the end of the call to the adapter.
 */
@Timeout(120)
class ClientGivingUpTest {

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor();

  @AfterAll
  static void stopTimer() {
    TIMER.shutdownNow();
  }

  enum Source {
    CALL_OPTIONS_DEADLINE,
    INTERCEPTOR_DEADLINE,
    CONTEXT_DEADLINE,
    CONTEXT_CANCEL_PLAIN,
    CONTEXT_CANCEL_WITH_UNAVAILABLE_CAUSE
  }

  static Stream<Arguments> cases() {
    return Arrays.stream(Transport.values()).flatMap(t ->
        Arrays.stream(Source.values()).map(s -> Arguments.of(t, s)));
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("cases")
  void thisSidesEndDropsTheBufferedResponses(Transport transport, Source source)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    CompletableFuture<Void> sent = new CompletableFuture<>();
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      CountDownLatch cancelled = new CountDownLatch(1);
      Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
      for (int i = 0; i < 5; i++) {
        responses.send(msg(i));
      }
      sent.complete(null);
      cancelled.await();
    }, threads);
    ListenerProbe watch = ListenerProbe.recording();
    ClientInterceptor deadline = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withDeadlineAfter(400, TimeUnit.MILLISECONDS));
      }
    };

    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = source == Source.INTERCEPTOR_DEADLINE
          ? ClientInterceptors.intercept(server.channel(), watch, deadline)
          : ClientInterceptors.intercept(server.channel(), watch);
      CallOptions options = source == Source.CALL_OPTIONS_DEADLINE
          ? CallOptions.DEFAULT.withDeadlineAfter(400, TimeUnit.MILLISECONDS)
          : CallOptions.DEFAULT;
      Context.CancellableContext context = switch (source) {
        case CONTEXT_DEADLINE ->
            Context.current().withDeadlineAfter(400, TimeUnit.MILLISECONDS, TIMER);
        case CONTEXT_CANCEL_PLAIN, CONTEXT_CANCEL_WITH_UNAVAILABLE_CAUSE ->
            Context.current().withCancellation();
        default -> null;
      };
      Context previous = context == null ? null : context.attach();
      ClientRecvStream<Message> stream;
      try {
        stream = BlockingClientCalls.serverStreaming(
            channel, SERVER_STREAMING, options, new Metadata(), msg("go"));
      } finally {
        if (context != null) {
          context.detach(previous);
        }
      }
      try (stream) {
        await(sent);
        awaitUntil("the 5 responses reached the call", () -> watch.messages() == 5);
        if (source == Source.CONTEXT_CANCEL_PLAIN) {
          context.cancel(null);
        } else if (source == Source.CONTEXT_CANCEL_WITH_UNAVAILABLE_CAUSE) {
          context.cancel(Status.UNAVAILABLE.withDescription("the caller gave up")
              .asRuntimeException());
        }
        Status ended = await(watch.closed);

        List<String> got = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
          String o = Outcomes.outcome(stream::recv);
          got.add(o);
          if (!o.startsWith("returned m")) {
            break;
          }
        }
        assertThat(got).as("recv after this side's %s ended the call with %s (%s)", source,
            ended.getCode(), ended.getDescription()).hasSize(1);
        assertThat(got.get(0)).startsWith("StatusException");
      } finally {
        if (context != null) {
          context.cancel(null);
        }
      }
      threads.assertAllEnded();
    }
  }
}
