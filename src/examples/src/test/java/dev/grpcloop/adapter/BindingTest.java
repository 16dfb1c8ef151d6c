package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.RESPONSE_KEY;
import static dev.grpcloop.adapter.TestMethods.TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.metadata;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How handlers are bound and services built: the kind is checked at once, naming the method; a
 * service's unbound methods answer UNIMPLEMENTED; one method of an existing grpc-java service
 * switches to a blocking handler in one line; and a unary call's headers and trailers can be read.
 */
@Timeout(60)
class BindingTest {

  @Test
  void aHandlerOfTheWrongKindFailsWhenBoundNamingTheMethod() {
    assertThatThrownBy(() -> BlockingServerCalls.<Message, Message>unary(BIDI, (r, c) -> r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(BIDI.getFullMethodName() + " is a BIDI_STREAMING method, not UNARY");
    assertThatThrownBy(() -> BlockingServerCalls.<Message, Message>bidiStreaming(UNARY, s -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(UNARY.getFullMethodName() + " is a UNARY method");
  }

  @Test
  void aClientCallOfTheWrongKindFailsAtOnceNamingTheMethod() throws Exception {
    try (TestServer server = TestServer.start(Transport.IN_PROCESS,
        TestMethods.service(BlockingServerCalls.<Message, Message>unary(UNARY, (r, c) -> r)))) {
      assertThatThrownBy(() -> BlockingClientCalls.bidiStreaming(server.channel(), UNARY))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(UNARY.getFullMethodName() + " is a UNARY method, not BIDI");
      assertThatThrownBy(() -> BlockingClientCalls.unary(server.channel(), BIDI, msg("x")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(BIDI.getFullMethodName() + " is a BIDI_STREAMING method");
    }
  }

  @Test
  void aServiceAnswersItsUnboundMethodsUnimplemented() throws Exception {
    ServerServiceDefinition noMethods =
        BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor());
    try (TestServer server = TestServer.start(Transport.IN_PROCESS, noMethods);
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), EchoServiceGrpc.getEchoStreamMethod())) {
      StatusException e = catchThrowableOfType(StatusException.class, stream::recv);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(e.getStatus().getDescription()).contains("echo.EchoService/EchoStream");
    }
  }

  @Test
  void aBindingForAnotherServiceIsRefused() {
    assertThatThrownBy(() -> BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
        BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, s -> { })))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(BIDI.getFullMethodName() + " is not a method of echo.EchoService");
  }

  /** A grpc-java service written on StreamObserver, as many are before they switch. */
  static final class CallbackEcho extends EchoServiceGrpc.EchoServiceImplBase {
    @Override
    public StreamObserver<Message> echoStream(StreamObserver<Message> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(Message message) {
          responses.onNext(msg("callback: " + message.getText()));
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  @Test
  void oneMethodOfAnExistingServiceSwitchesToABlockingHandlerInOneLine() throws Exception {
    // snippet:replace-one-method
    ServerServiceDefinition switched = BlockingServerCalls.replace(new CallbackEcho().bindService(),
        BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), stream -> {
          for (Message m; (m = stream.recv()) != null; ) {
            stream.send(msg("blocking: " + m.getText()));
          }
        }));
    // end-snippet
    try (TestServer server = TestServer.start(Transport.NETTY, switched);
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), EchoServiceGrpc.getEchoStreamMethod())) {
      stream.send(msg("hello"));
      stream.closeSend();
      assertThat(stream.recv().getText()).isEqualTo("blocking: hello");
      assertThat(stream.recv()).isNull();
    }
  }

  @Test
  void aUnaryCallsResponseHeadersAndTrailersCanBeRead() throws Exception {
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      call.sendHeaders(metadata(RESPONSE_KEY, "header"));
      call.setTrailers(metadata(TRAILER_KEY, "trailer"));
      return msg("re: " + request.getText());
    });
    try (TestServer server = TestServer.start(Transport.NETTY, TestMethods.service(handler));
        ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(server.channel(),
            UNARY, CallOptions.DEFAULT, new Metadata(), msg("hi"))) {
      assertThat(call.response().getText()).isEqualTo("re: hi");
      assertThat(call.headers().get(RESPONSE_KEY)).isEqualTo("header");
      assertThat(call.trailers().get(TRAILER_KEY)).isEqualTo("trailer");
    }
  }
}
