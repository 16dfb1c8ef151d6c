package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server interceptor may close the call itself while the handler still runs (an authorisation
 * check that fails on a later request). grpc's call then refuses a message with an unchecked
 * "call is closed"; the handler's send must see a {@link StatusException} instead, as for any call
 * that ended under it, and the client the interceptor's status. The adapter's own close, which
 * grpc then refuses too, is no failure to log.
 */
@Timeout(60)
class ServerClosedUnderTheHandlerTest {

  /** Closes the call with PERMISSION_DENIED just before the handler's first response reaches it. */
  private static final ServerInterceptor CLOSES_BEFORE_THE_FIRST_RESPONSE = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
        Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return next.startCall(new SimpleForwardingServerCall<>(call) {
        @Override
        public void sendMessage(RespT message) {
          delegate().close(Status.PERMISSION_DENIED.withDescription("not this one"),
              new Metadata());
          super.sendMessage(message);
        }
      }, headers);
    }
  };

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aSendAfterAnInterceptorClosedTheCallThrowsAStatus(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    CompletableFuture<Throwable> sendThrew = new CompletableFuture<>();
    var service = Bind.bidi(BIDI, stream -> {
      try {
        stream.send(msg(0));
        sendThrew.complete(null);
      } catch (Throwable t) {
        sendThrew.complete(t);
        throw t;
      }
    }, threads);
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service,
            CLOSES_BEFORE_THE_FIRST_RESPONSE);
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), BIDI, CallOptions.DEFAULT, new Metadata())) {
      assertThatThrownBy(stream::recv).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      assertThat(await(sendThrew)).as("what the handler's send threw")
          .isInstanceOf(StatusException.class);
      threads.assertAllEnded();
      assertThat(log.records()).as("the adapter's close after the interceptor's is no failure: %s",
          log.describe()).isEmpty();
    }
  }
}
