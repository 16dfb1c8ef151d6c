package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * grpc's call may refuse a response with IllegalStateException without being closed: an
 * interceptor's check that rejects it, or an interceptor that sent the headers itself (grpc's
 * sendHeaders then throws "sendHeaders has already been called"). The handler's send throws a
 * status, and the call is still closed at once: the client never waits for its deadline.
 */
@Timeout(120)
class ServerSendRefusedTest {

  /** Rejects every response with an unchecked exception, closing nothing. */
  private static final ServerInterceptor REJECTS_RESPONSES = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
        Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return next.startCall(new SimpleForwardingServerCall<>(call) {
        @Override
        public void sendMessage(RespT message) {
          throw new IllegalStateException("response rejected by a check");
        }
      }, headers);
    }
  };

  /** Sends the response headers itself, before the handler runs (grpc allows it). */
  private static final ServerInterceptor SENDS_HEADERS_EARLY = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
        Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      call.sendHeaders(new Metadata());
      return next.startCall(call, headers);
    }
  };

  private static final long DEADLINE_MS = 4000;

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aRejectedResponseStillEndsTheCallAtOnce(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    var service = Bind.unary(UNARY, (request, call) -> msg("r"), threads);
    try (TestServer server = TestServer.start(transport, service, REJECTS_RESPONSES)) {
      long start = System.nanoTime();
      String outcome = Outcomes.outcome(() -> BlockingClientCalls.unary(server.channel(), UNARY,
          CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS), msg("q")));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(outcome).as("client outcome after %d ms", tookMs)
          .doesNotContain("DEADLINE_EXCEEDED");
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void headersAnInterceptorSentDoNotLeaveTheCallOpen(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    var service = Bind.bidi(BIDI, stream -> stream.send(msg("r")), threads);
    try (TestServer server = TestServer.start(transport, service, SENDS_HEADERS_EARLY);
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), BIDI,
            CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS),
            new Metadata())) {
      long start = System.nanoTime();
      String outcome = Outcomes.outcome(stream::recv);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(outcome).as("client outcome after %d ms", tookMs)
          .doesNotContain("DEADLINE_EXCEEDED");
      threads.assertAllEnded();
    }
  }
}
