package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A handler that returns normally once its call's deadline has passed (it waited for the Context's
 * cancel, as a handler that is not in recv or send does) has not succeeded: the client must never
 * read that call as a success. The deadline here is the server's own (an interceptor gives each
 * call 200 ms, a common server policy), so grpc's transport does not reset the stream itself and
 * the adapter's close is what the client gets.
 */
@Timeout(60)
class ServerEndAfterCancelTest {

  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor();

  @AfterAll
  static void stopTimer() {
    TIMER.shutdownNow();
  }

  /** Gives every call a deadline of 200 ms on the server, whatever the client asked for. */
  private static final ServerInterceptor SERVER_DEADLINE = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
        Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      Context.CancellableContext context =
          Context.current().withDeadlineAfter(200, TimeUnit.MILLISECONDS, TIMER);
      return Contexts.interceptCall(context, call, headers, next);
    }
  };

  /** Waits until the handler's Context is cancelled: its deadline passed. */
  private static void awaitCancel() throws InterruptedException {
    CountDownLatch cancelled = new CountDownLatch(1);
    Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
    cancelled.await();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aStreamWhoseHandlerReturnsAfterItsDeadlineFailsWithDeadlineExceeded(Transport transport)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    var service = Bind.bidi(BIDI, stream -> {
      stream.send(msg(0));
      awaitCancel();
    }, threads);
    try (TestServer server = TestServer.start(transport, service, SERVER_DEADLINE);
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), BIDI, CallOptions.DEFAULT, new Metadata())) {
      assertThat(stream.recv()).isEqualTo(msg(0));
      assertThatThrownBy(stream::recv).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aUnaryHandlerThatAnswersAfterItsDeadlineFailsWithDeadlineExceeded(Transport transport)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    var service = Bind.unary(UNARY, (request, call) -> {
      awaitCancel();
      return msg("too late");
    }, threads);
    try (TestServer server = TestServer.start(transport, service, SERVER_DEADLINE);
        ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(
            server.channel(), UNARY, CallOptions.DEFAULT, new Metadata(), msg("go"))) {
      assertThatThrownBy(call::response).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      threads.assertAllEnded();
    }
  }
}
