package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A unary call whose server (misbehaving: a server-streaming method under the unary
 * name) sends three responses. response() throws INTERNAL "the server sent more than one
 * response", and cancels grpc's call. A caller that tries response() again (as it may
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

  /**
   * The try again comes from another thread, which must get the call's lock; and grpc's call is
   * cancelled at the first failure, as grpc's own stubs do, so the server hears of it at once.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aSecondResponseAfterTooManyIsNotASuccess(Transport transport) throws Exception {
    CompletableFuture<String> serverHeard = new CompletableFuture<>();
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      Context.current().addListener(
          cancelled -> serverHeard.complete("cancelled"), Runnable::run);
      responses.send(msg(1));
      responses.send(msg(2));
      responses.send(msg(3)); // may wait for the client's credit, and throw at its cancel
      serverHeard.get(); // until the client's cancel, or the end of the test's wait below
    }, Thread.ofVirtual().factory());
    try (TestServer server = TestServer.start(transport, service);
        ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(server.channel(),
            UNARY_VIEW, CallOptions.DEFAULT, new Metadata(), msg(0))) {
      assertThat(outcome(call)).isEqualTo(
          Status.Code.INTERNAL + ": the server sent more than one response");
      assertThat(serverHeard.get(20, TimeUnit.SECONDS)).as("the server, before close()")
          .isEqualTo("cancelled");
      CompletableFuture<String> again = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          again.complete(outcome(call));
        } catch (InterruptedException e) {
          again.complete("interrupted");
        }
      });
      assertThat(again.get(20, TimeUnit.SECONDS)).as("response() again, on another thread")
          .doesNotStartWith("returned");
    } finally {
      serverHeard.complete("the test ended");
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
