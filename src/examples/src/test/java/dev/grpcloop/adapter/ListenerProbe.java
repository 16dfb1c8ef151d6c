package dev.grpcloop.adapter;

import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A client interceptor whose listener records each callback that reaches it, as grpc delivers
 * them on the call's executor (the adapter's: a thread waiting in the call, or the transport's
 * thread). It can hold the first onHeaders or onMessage until the test releases it: a listener
 * whose work takes long, on whichever thread runs it.
 */
final class ListenerProbe implements ClientInterceptor {

  /** One line per callback that passed: "onHeaders", "onMessage m0", "onReady", "onClose OK". */
  final List<String> events = new CopyOnWriteArrayList<>();

  /** The status of onClose, once the adapter's listener has had it. */
  final CompletableFuture<Status> closed = new CompletableFuture<>();

  /** The thread the held callback runs on, once it has begun. */
  final CompletableFuture<Thread> heldOn = new CompletableFuture<>();

  /** Lets the held callback go on to the adapter's listener. */
  final CountDownLatch release = new CountDownLatch(1);

  private final String held;

  private ListenerProbe(String held) {
    this.held = held;
  }

  /** A probe that holds nothing. */
  static ListenerProbe recording() {
    return new ListenerProbe("");
  }

  /** A probe that holds the first onHeaders until {@link #release}. */
  static ListenerProbe holdingHeaders() {
    return new ListenerProbe("onHeaders");
  }

  /** A probe that holds the first onMessage until {@link #release}. */
  static ListenerProbe holdingMessage() {
    return new ListenerProbe("onMessage");
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        super.start(new SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onHeaders(Metadata headers) {
            hold("onHeaders");
            events.add("onHeaders");
            super.onHeaders(headers);
          }

          @Override
          public void onMessage(RespT message) {
            hold("onMessage");
            events.add("onMessage " + (message instanceof Message m ? m.getText() : message));
            super.onMessage(message);
          }

          @Override
          public void onReady() {
            events.add("onReady");
            super.onReady();
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            events.add("onClose " + status.getCode());
            super.onClose(status, trailers);
            closed.complete(status);
          }
        }, headers);
      }
    };
  }

  /** How many responses have reached the adapter's listener, or are on their way into it. */
  long messages() {
    return events.stream().filter(e -> e.startsWith("onMessage")).count();
  }

  /** Holds the first callback named {@link #held} until the test releases it. */
  private void hold(String callback) {
    if (!callback.equals(held) || !heldOn.complete(Thread.currentThread())) {
      return;
    }
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while held", e);
    }
  }
}
