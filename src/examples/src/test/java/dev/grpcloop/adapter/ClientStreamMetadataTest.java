package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.ERROR_TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.REQUEST_KEY;
import static dev.grpcloop.adapter.TestMethods.RESPONSE_KEY;
import static dev.grpcloop.adapter.TestMethods.TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.metadata;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client side: {@link ClientStream#headers} and {@link ClientStream#trailers} on a call that ends
 * OK, one that ends with an error, and one that fails before sending any headers. trailers() is
 * asked for once recv has returned null or thrown: it waits for the call's end, and grpc reports
 * the end only after the responses before it were received.
 */
@Timeout(60)
class ClientStreamMetadataTest {

  private final HandlerThreads threads = new HandlerThreads();

  @ParameterizedTest
  @EnumSource(Transport.class)
  void headersAndTrailersOnSuccess(Transport transport) throws Exception {
    try (TestServer server = TestServer.start(transport, service(metadataHandler(null)));
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), BIDI, CallOptions.DEFAULT, metadata(REQUEST_KEY, "hello"))) {
      assertThat(stream.headers().get(RESPONSE_KEY)).isEqualTo("re: hello");
      assertThat(stream.recv().getText()).isEqualTo("after the headers");
      stream.closeSend();
      assertThat(stream.recv()).isNull();

      assertThat(stream.trailers().get(TRAILER_KEY)).isEqualTo("trailer");
      assertThat(stream.trailers().get(ERROR_TRAILER_KEY)).isNull();
      assertThat(stream.headers().get(RESPONSE_KEY)).isEqualTo("re: hello"); // still there
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void headersAndTrailersOnError(Transport transport) throws Exception {
    StatusException failure = Status.ABORTED.withDescription("gave up")
        .asException(metadata(ERROR_TRAILER_KEY, "from the exception"));
    try (TestServer server =
            TestServer.start(transport, service(metadataHandler(failure)));
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), BIDI, CallOptions.DEFAULT, metadata(REQUEST_KEY, "hello"))) {
      assertThat(stream.headers().get(RESPONSE_KEY)).isEqualTo("re: hello");
      assertThat(stream.recv().getText()).isEqualTo("after the headers");
      stream.closeSend();
      StatusException e = catchThrowableOfType(StatusException.class, stream::recv);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);

      assertThat(stream.trailers().get(TRAILER_KEY)).isEqualTo("trailer");
      assertThat(stream.trailers().get(ERROR_TRAILER_KEY)).isEqualTo("from the exception");
      assertThat(e.getTrailers().get(ERROR_TRAILER_KEY)).isEqualTo("from the exception");
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void headersOfACallThatFailedBeforeSendingAnyAreNull(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      throw Status.UNAVAILABLE.withDescription("not today").asException();
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      // Returns once the call ends, not never: null, a trailers-only response, told apart from
      // headers that are empty (the metadata tests above).
      assertThat(stream.headers()).isNull();
      assertThat(catchThrowableOfType(StatusException.class, stream::recv).getStatus().getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(stream.trailers()).isNotNull();
      threads.assertAllEnded();
    }
  }

  /**
   * Answers the request header in a response header, sets a trailer, sends one message, and
   * after the client's end returns, or throws {@code failure} if not null.
   */
  private ServerMethodDefinition<Message, Message> metadataHandler(StatusException failure) {
    return BlockingServerCalls.bidiStreaming(BIDI, stream -> {
      stream.sendHeaders(metadata(RESPONSE_KEY, "re: " + stream.requestHeaders().get(REQUEST_KEY)));
      stream.setTrailers(metadata(TRAILER_KEY, "trailer"));
      stream.send(msg("after the headers"));
      assertThat(stream.recv()).isNull();
      if (failure != null) {
        throw failure;
      }
    }, threads.options());
  }
}
