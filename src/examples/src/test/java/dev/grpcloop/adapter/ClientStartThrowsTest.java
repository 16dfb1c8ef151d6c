package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client interceptor that throws while the adapter starts the call, after grpc's call
 * was started (its first request(n), or its start after delegating). The caller gets the
 * exception and no call object to close: the adapter must end grpc's call itself, or the stream
 * stays open on both sides for good (no deadline here). The server's handler tells.
 */
@Timeout(60)
class ClientStartThrowsTest {

  enum Where { FIRST_REQUEST, START_AFTER_DELEGATING }

  /** Throws where {@code where} says; with {@code cancelThrows}, its cancel throws too. */
  private static ClientInterceptor throwing(Where where, boolean cancelThrows) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          private boolean requested;

          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            super.start(listener, headers);
            if (where == Where.START_AFTER_DELEGATING) {
              throw new IllegalStateException("interceptor fails in start");
            }
          }

          @Override
          public void request(int count) {
            if (where == Where.FIRST_REQUEST && !requested) {
              requested = true;
              throw new IllegalStateException("interceptor fails in request");
            }
            super.request(count);
          }

          @Override
          public void cancel(String message, Throwable cause) {
            super.cancel(message, cause);
            if (cancelThrows) {
              throw new IllegalArgumentException("interceptor fails in cancel");
            }
          }
        };
      }
    };
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> cases() {
    return java.util.Arrays.stream(Transport.values()).flatMap(t ->
        java.util.Arrays.stream(Where.values()).flatMap(w -> java.util.stream.Stream.of(
            org.junit.jupiter.params.provider.Arguments.of(t, w, true),
            org.junit.jupiter.params.provider.Arguments.of(t, w, false))));
  }

  @ParameterizedTest(name = "{0}, {1}, bidi={2}")
  @org.junit.jupiter.params.provider.MethodSource("cases")
  void grpcsCallEndsWhenStartingItThrows(Transport transport, Where where, boolean bidi)
      throws Exception {
    // Netty sends a server-streaming call's headers with its request, which never goes: the
    // server cannot tell there. In-process it can.
    org.junit.jupiter.api.Assumptions.assumeTrue(bidi || transport == Transport.IN_PROCESS);
    CompletableFuture<String> serverOutcome = new CompletableFuture<>();
    CompletableFuture<Void> handlerStarted = new CompletableFuture<>();
    var service = bidi
        ? Bind.bidi(BIDI, stream -> {
            handlerStarted.complete(null);
            try {
              while (stream.recv() != null) {
                // drain
              }
              serverOutcome.complete("end-of-stream");
            } catch (StatusException e) {
              serverOutcome.complete(e.getStatus().getCode().toString());
            }
          })
        : Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
            handlerStarted.complete(null);
            try {
              while (true) {
                responses.send(msg(1), 50, TimeUnit.MILLISECONDS);
              }
            } catch (java.util.concurrent.TimeoutException e) {
              // keep going: the client reads nothing, the transport fills
              try {
                while (true) {
                  responses.send(msg(1));
                }
              } catch (StatusException ended) {
                serverOutcome.complete(ended.getStatus().getCode().toString());
              }
            } catch (StatusException ended) {
              serverOutcome.complete(ended.getStatus().getCode().toString());
            }
          }, Thread.ofVirtual().factory());
    CompletableFuture<String> grpcEnd = new CompletableFuture<>();
    CompletableFuture<Void> grpcStarted = new CompletableFuture<>();
    io.grpc.ServerInterceptor watch = new io.grpc.ServerInterceptor() {
      @Override
      public <A, B> io.grpc.ServerCall.Listener<A> interceptCall(io.grpc.ServerCall<A, B> call,
          Metadata headers, io.grpc.ServerCallHandler<A, B> next) {
        grpcStarted.complete(null);
        return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<A>(
            next.startCall(call, headers)) {
          @Override
          public void onCancel() {
            grpcEnd.complete("onCancel");
            super.onCancel();
          }

          @Override
          public void onComplete() {
            grpcEnd.complete("onComplete");
            super.onComplete();
          }
        };
      }
    };
    try (TestServer server = TestServer.start(transport, service, watch)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), throwing(where, false));
      if (bidi) {
        assertThatThrownBy(() -> {
          ClientStream<Message, Message> call = BlockingClientCalls.bidiStreaming(channel, BIDI);
          call.send(msg(0)); // only reached if start did not throw
        }).isInstanceOf(IllegalStateException.class);
      } else {
        assertThatThrownBy(() -> BlockingClientCalls.serverStreaming(channel, SERVER_STREAMING,
            msg(0))).isInstanceOf(IllegalStateException.class);
      }
      // The caller has nothing to close. The server must hear the call end.
      grpcStarted.get(10, TimeUnit.SECONDS); // the call reached the server
      if (bidi) {
        handlerStarted.get(10, TimeUnit.SECONDS);
      }
      assertThat(grpcEnd.get(5, TimeUnit.SECONDS)).isEqualTo("onCancel");
      if (bidi) {
        assertThat(serverOutcome.get(5, TimeUnit.SECONDS)).isEqualTo("CANCELLED");
      }
    }
  }

  /**
   * An interceptor whose start throws, and whose cancel then throws too: the caller gets the
   * start's failure, with the cancel's kept as suppressed rather than lost.
   */
  @Test
  void aCancelThatThrowsAfterAFailedStartIsKeptAsSuppressed() throws Exception {
    var service = Bind.bidi(BIDI, stream -> {
      while (stream.recv() != null) {
        // drain
      }
    });
    try (TestServer server = TestServer.start(Transport.IN_PROCESS, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(),
          throwing(Where.START_AFTER_DELEGATING, true));
      assertThatThrownBy(() -> BlockingClientCalls.bidiStreaming(channel, BIDI))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("interceptor fails in start")
          .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
              .isInstanceOf(IllegalArgumentException.class));
    }
  }
}
