package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A unary call whose server (misbehaving: a server-streaming method under the unary
 * name) sends three responses. response() throws INTERNAL "the server sent more than one
 * response"; the call is not cancelled by it. A caller that tries response() again (as it may
 * after a TimeoutException) must not read the third response as the call's success.
 */
@Timeout(60)
class ClientResponseRetryTest {

  private static final MethodDescriptor<Message, Message> UNARY_VIEW =
      SERVER_STREAMING.toBuilder().setType(MethodDescriptor.MethodType.UNARY).build();

  private static String outcome(ClientUnaryCall<Message> call) throws InterruptedException {
    try {
      return "returned " + call.response().getText();
    } catch (StatusException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    } catch (RuntimeException e) {
      return "threw " + e;
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aSecondResponseAfterTooManyIsNotASuccess(Transport transport) throws Exception {
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      responses.send(msg(1));
      responses.send(msg(2));
      responses.send(msg(3));
    }, Thread.ofVirtual().factory());
    try (TestServer server = TestServer.start(transport, service);
        ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(server.channel(),
            UNARY_VIEW, CallOptions.DEFAULT, new Metadata(), msg(0))) {
      assertThat(outcome(call)).isEqualTo(
          Status.Code.INTERNAL + ": the server sent more than one response");
      assertThat(outcome(call)).as("response() again").doesNotStartWith("returned");
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aSecondResponseAfterNoneIsTheSameError(Transport transport) throws Exception {
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
    }, Thread.ofVirtual().factory());
    try (TestServer server = TestServer.start(transport, service);
        ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(server.channel(),
            UNARY_VIEW, CallOptions.DEFAULT, new Metadata(), msg(0))) {
      assertThat(outcome(call)).isEqualTo(
          Status.Code.INTERNAL + ": the server sent no response");
      assertThat(outcome(call)).as("response() again").isEqualTo(
          Status.Code.INTERNAL + ": the server sent no response");
    }
  }
}
