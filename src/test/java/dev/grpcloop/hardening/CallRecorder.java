package dev.grpcloop.hardening;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server interceptor that records what the adapter does to each {@link ServerCall}: how often it
 * closes it and with what status, when it first requests messages, and when it first finds the
 * transport not ready (so the handler is about to wait in send); and how grpc ended the call
 * (onCancel or onComplete). It wraps the call in a {@link SimpleForwardingServerCall} and the
 * listener in a {@link SimpleForwardingServerCallListener}; the adapter sees no difference.
 */
final class CallRecorder implements ServerInterceptor {
  /** A request header that tags a call, so that a test can find the server side of its call. */
  static final Metadata.Key<String> CALL_ID =
      Metadata.Key.of("x-call-id", Metadata.ASCII_STRING_MARSHALLER);

  private final Queue<RecordedCall> calls = new ConcurrentLinkedQueue<>();

  /** Ids of calls whose transport is to look never ready; see {@link #neverReady}. */
  private final Set<String> neverReady = ConcurrentHashMap.newKeySet();

  /** The key of the first call without an id header in {@link #awaitCall}. */
  static final String UNTAGGED = "";

  /** Calls by id, completed when the call starts. */
  private final ConcurrentMap<String, CompletableFuture<RecordedCall>> tagged =
      new ConcurrentHashMap<>();

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    RecordedCall record =
        new RecordedCall(call.getMethodDescriptor().getFullMethodName(), headers.get(CALL_ID));
    record.neverReady = record.id != null && neverReady.contains(record.id);
    calls.add(record);
    tagged.computeIfAbsent(record.id == null ? UNTAGGED : record.id,
        id -> new CompletableFuture<>()).complete(record);
    ServerCall.Listener<ReqT> listener = next.startCall(new Recording<>(call, record), headers);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        record.cancelled.countDown();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        record.completed.countDown();
        super.onComplete();
      }
    };
  }

  /**
   * Makes the call tagged {@code id}, when it comes, look never ready to the adapter: isReady() is
   * false, so a send() waits for good (until the call ends), with nothing sent. For tests that need
   * a thread that stays inside send().
   */
  void neverReady(String id) {
    neverReady.add(id);
  }

  /** Every call seen so far, in the order they started. */
  List<RecordedCall> calls() {
    return List.copyOf(calls);
  }

  /**
   * Waits up to {@code timeout} for the call tagged {@code id} to reach the server ({@link
   * #UNTAGGED}: the first call without a tag).
   */
  RecordedCall awaitCall(String id, Duration timeout) throws InterruptedException {
    try {
      return tagged.computeIfAbsent(id, key -> new CompletableFuture<>())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no server call tagged " + id + " within " + timeout, e);
    } catch (ExecutionException e) {
      throw new AssertionError(e);
    }
  }

  /** Forgets the calls seen so far. */
  void clear() {
    calls.clear();
    tagged.clear();
  }

  private static final class Recording<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
    private final RecordedCall record;

    Recording(ServerCall<ReqT, RespT> call, RecordedCall record) {
      super(call);
      this.record = record;
    }

    @Override
    public void request(int numMessages) {
      super.request(numMessages);
      record.requested.countDown();
    }

    @Override
    public boolean isReady() {
      boolean ready = !record.neverReady && super.isReady();
      if (!ready) {
        record.notReady.countDown();
      }
      return ready;
    }

    @Override
    public void sendMessage(RespT message) {
      super.sendMessage(message);
      record.sent.incrementAndGet();
    }

    @Override
    public void close(io.grpc.Status status, Metadata trailers) {
      record.closes.incrementAndGet();
      record.status = status;
      try {
        super.close(status, trailers);
      } finally {
        record.closed.countDown();
      }
    }
  }
}
