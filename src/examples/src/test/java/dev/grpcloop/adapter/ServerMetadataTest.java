package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.ERROR_TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.REQUEST_KEY;
import static dev.grpcloop.adapter.TestMethods.RESPONSE_KEY;
import static dev.grpcloop.adapter.TestMethods.TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.metadata;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: request headers, response headers and trailers as a handler sees and sets them,
 * on a call that ends OK and on one that ends with an error. The client is a plain ClientCall.
 */
@Timeout(60)
class ServerMetadataTest {

  private final HandlerThreads threads = new HandlerThreads();

  @ParameterizedTest
  @EnumSource(Transport.class)
  void handlerReadsHeadersAndSetsHeadersAndTrailersOnOk(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      stream.sendHeaders(metadata(RESPONSE_KEY, "re: " + stream.requestHeaders().get(REQUEST_KEY)));
      stream.setTrailers(metadata(TRAILER_KEY, "first"));
      stream.send(msg("after the headers"));
      stream.setTrailers(metadata(TRAILER_KEY, "second")); // trailers accumulate
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(
          server.channel(), BIDI, CallOptions.DEFAULT, metadata(REQUEST_KEY, "hello"));
      call.request(Integer.MAX_VALUE);
      call.halfClose();

      assertThat(call.awaitHeaders().get(RESPONSE_KEY)).isEqualTo("re: hello");
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
      assertThat(call.awaitTrailers().getAll(TRAILER_KEY)).containsExactly("first", "second");
      assertThat(call.messages()).extracting(Message::getText)
          .containsExactly("after the headers");
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void handlerReadsHeadersAndSetsHeadersAndTrailersOnError(Transport transport)
      throws Exception {
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      stream.sendHeaders(metadata(RESPONSE_KEY, "re: " + stream.requestHeaders().get(REQUEST_KEY)));
      stream.setTrailers(metadata(TRAILER_KEY, "set before the error"));
      throw Status.ABORTED.withDescription("gave up")
          .asException(metadata(ERROR_TRAILER_KEY, "from the exception"));
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(
          server.channel(), BIDI, CallOptions.DEFAULT, metadata(REQUEST_KEY, "hello"));
      call.request(Integer.MAX_VALUE);

      assertThat(call.awaitHeaders().get(RESPONSE_KEY)).isEqualTo("re: hello");
      Status status = call.awaitStatus();
      assertThat(status.getCode()).isEqualTo(Status.Code.ABORTED);
      assertThat(status.getDescription()).isEqualTo("gave up");
      // Both sets go out: the handler's own trailers and the exception's.
      assertThat(call.awaitTrailers().get(TRAILER_KEY)).isEqualTo("set before the error");
      assertThat(call.awaitTrailers().get(ERROR_TRAILER_KEY)).isEqualTo("from the exception");
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendHeadersAfterTheFirstSendThrowsIllegalState(Transport transport) throws Exception {
    CompletableFuture<Throwable> late = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      stream.send(msg("first"));
      try {
        stream.sendHeaders(metadata(RESPONSE_KEY, "too late"));
        late.complete(new AssertionError("sendHeaders after send did not throw"));
      } catch (IllegalStateException e) {
        late.complete(e);
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      call.request(Integer.MAX_VALUE);
      call.halfClose();

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
      assertThat(await(late)).isInstanceOf(IllegalStateException.class);
      assertThat(call.awaitHeaders().get(RESPONSE_KEY)).isNull();
      threads.assertAllEnded();
    }
  }
}
