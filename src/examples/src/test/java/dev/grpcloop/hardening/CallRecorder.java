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
import java.util.concurrent.ThreadLocalRandom;
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

  /** Whether to yield the thread at random around each call into grpc; see {@link #withNoise}. */
  private volatile boolean noise;

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
      public void onMessage(ReqT message) {
        maybeYield();
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        maybeYield();
        super.onHalfClose();
      }

      @Override
      public void onReady() {
        maybeYield();
        super.onReady();
      }

      @Override
      public void onCancel() {
        maybeYield();
        record.cancelled.countDown();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        maybeYield();
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

  /**
   * Makes the recorder yield the calling thread at random on the way into and out of each call
   * the adapter makes to grpc, and before each event grpc delivers to it: noise that widens the
   * windows between the adapter's checks and its waits, for stress tests.
   */
  CallRecorder withNoise() {
    noise = true;
    return this;
  }

  private void maybeYield() {
    if (noise && ThreadLocalRandom.current().nextInt(4) == 0) {
      Thread.yield();
    }
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

  private final class Recording<ReqT, RespT>
      extends SimpleForwardingServerCall<ReqT, RespT> {
    private final RecordedCall record;

    Recording(ServerCall<ReqT, RespT> call, RecordedCall record) {
      super(call);
      this.record = record;
    }

    @Override
    public void request(int numMessages) {
      maybeYield();
      super.request(numMessages);
      record.requested.countDown();
      maybeYield();
    }

    @Override
    public boolean isReady() {
      boolean ready = !record.neverReady && super.isReady();
      if (!ready) {
        record.notReady.countDown();
      }
      maybeYield();
      return ready;
    }

    @Override
    public void sendMessage(RespT message) {
      maybeYield();
      super.sendMessage(message);
      record.sent.incrementAndGet();
      maybeYield();
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
