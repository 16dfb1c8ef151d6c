package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A cancel of a client call's Context runs the adapter's listener on the cancelling thread: on the
 * same thread as an interceptor's start or sendMessage that cancels, and on another thread while
 * a send holds the call's callLock. Neither may wait for the call's locks beyond the lock of its
 * state: a Context's cancel() never waits for a sender.
 */
@Timeout(120)
class ClientContextCancelOnAnyThreadTest {

  private static final AtomicReference<Context.CancellableContext> CONTEXT =
      new AtomicReference<>();

  /** Cancels the Context on this thread, from inside sendMessage (under callLock). */
  private static final ClientInterceptor CANCELS_IN_SEND = new ClientInterceptor() {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void sendMessage(ReqT message) {
          CONTEXT.get().cancel(null);
          super.sendMessage(message);
        }
      };
    }
  };

  /** Cancels the Context on this thread, from inside start (under callLock). */
  private static final ClientInterceptor CANCELS_IN_START = new ClientInterceptor() {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          CONTEXT.get().cancel(null);
          super.start(listener, headers);
        }
      };
    }
  };

  /**
   * Has another thread cancel the Context from inside sendMessage, and waits for that cancel
   * to return, at most 5 s: an interceptor that hands work to another thread and waits for it.
   */
  private static final ClientInterceptor CANCEL_ELSEWHERE_IN_SEND = new ClientInterceptor() {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void sendMessage(ReqT message) {
          CompletableFuture<Void> cancelled = new CompletableFuture<>();
          Thread.ofVirtual().start(() -> {
            CONTEXT.get().cancel(null);
            cancelled.complete(null);
          });
          try {
            cancelled.get(5, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            throw new IllegalStateException("Context.cancel() on another thread blocked", e);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          super.sendMessage(message);
        }
      };
    }
  };

  private static String run(Transport transport, ClientInterceptor interceptor)
      throws Exception {
    var service = Bind.bidi(BIDI, stream -> {
      for (Message m; (m = stream.recv()) != null; ) {
        stream.send(m);
      }
    });
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), interceptor);
      Context.CancellableContext context = Context.current().withCancellation();
      CONTEXT.set(context);
      Context previous = context.attach();
      try {
        return Outcomes.onNewThread(context.wrap(() -> {
          try (ClientStream<Message, Message> s = BlockingClientCalls.bidiStreaming(channel,
              BIDI)) {
            String sent = Outcomes.outcome(() -> s.send(msg(1)));
            return "send " + sent + "; recv " + Outcomes.outcome(s::recv);
          }
        }));
      } finally {
        context.detach(previous);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCancelInsideSendMessageFailsTheCall(Transport transport) throws Exception {
    assertThat(run(transport, CANCELS_IN_SEND)).startsWith("returned send").endsWith("recv StatusException CANCELLED: "
        + "io.grpc.Context was cancelled without error");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCancelInsideStartFailsTheCall(Transport transport) throws Exception {
    assertThat(run(transport, CANCELS_IN_START)).startsWith("returned send returned false")
        .contains("recv StatusException CANCELLED");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCancelOnAnotherThreadDoesNotWaitForTheSender(Transport transport) throws Exception {
    assertThat(run(transport, CANCEL_ELSEWHERE_IN_SEND)).startsWith("returned send returned")
        .contains("recv StatusException CANCELLED");
  }
}
