package dev.grpcloop.adapter;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records what passes between grpc and the adapter for the latest call on a server: the listener
 * events (each recorded after the adapter's listener has handled it), the messages the adapter
 * requested, and the interrupt flag of the thread that closed the call. Optionally requests
 * {@code extraRequest} messages itself right after the adapter's startCall returned, as an
 * interceptor may.
 */
final class CallEvents implements ServerInterceptor {
  final CompletableFuture<Void> halfClosed = new CompletableFuture<>();
  final CompletableFuture<Void> cancelled = new CompletableFuture<>();
  /** onCancel or onComplete: grpc is done with the call. */
  final CompletableFuture<Void> ended = new CompletableFuture<>();
  /** Whether the thread that called ServerCall.close had its interrupt flag set then. */
  final CompletableFuture<Boolean> interruptedAtClose = new CompletableFuture<>();
  private final AtomicInteger requested = new AtomicInteger();
  private final int extraRequest;

  CallEvents() {
    this(0);
  }

  CallEvents(int extraRequest) {
    this.extraRequest = extraRequest;
  }

  /** Messages requested from grpc so far, by the adapter and by this interceptor. */
  int requested() {
    return requested.get();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ServerCall<ReqT, RespT> recorded = new SimpleForwardingServerCall<>(call) {
      @Override
      public void request(int count) {
        requested.addAndGet(count);
        super.request(count);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        interruptedAtClose.complete(Thread.currentThread().isInterrupted());
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<ReqT> listener = next.startCall(recorded, headers);
    if (extraRequest > 0) {
      recorded.request(extraRequest);
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onHalfClose() {
        super.onHalfClose();
        halfClosed.complete(null);
      }

      @Override
      public void onCancel() {
        super.onCancel();
        cancelled.complete(null);
        ended.complete(null);
      }

      @Override
      public void onComplete() {
        super.onComplete();
        ended.complete(null);
      }
    };
  }
}
