package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestServer.PATIENCE;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** What the call-edge tests share: outcomes as text, and an interceptor that watches a call. */
final class Outcomes {
  private Outcomes() {}

  /** What {@code operation} returned or threw, as text. */
  static String outcome(Callable<?> operation) {
    try {
      Object result = operation.call();
      return "returned " + (result instanceof dev.grpcloop.echo.proto.Message m
          ? m.getText() : result);
    } catch (StatusException e) {
      return "StatusException " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    } catch (Throwable t) {
      return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
  }

  /** {@link #outcome} of {@code operation} on a virtual thread of its own, waited for. */
  static String onNewThread(Callable<?> operation) throws Exception {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread.ofVirtual().name("probe-later").start(() -> result.complete(outcome(operation)));
    return result.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Watches what grpc delivers to the call's listener, before the adapter sees it. */
  static final class Watch implements ClientInterceptor {
    final AtomicInteger messages = new AtomicInteger();
    final CompletableFuture<Status> closed = new CompletableFuture<>();

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata headers) {
          super.start(new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onMessage(RespT message) {
              messages.incrementAndGet();
              super.onMessage(message);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              super.onClose(status, trailers);
              closed.complete(status);
            }
          }, headers);
        }
      };
    }
  }
}
