package dev.grpcloop.hardening;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** What {@link CallRecorder} saw the adapter do to one server call. */
final class RecordedCall {
  final String method;

  /** The call's {@link CallRecorder#CALL_ID} header, or null. */
  final String id;

  /**
   * How many times ServerCall.close was called: once, or never for a call that grpc ended first
   * (see {@link #cancelled}).
   */
  final AtomicInteger closes = new AtomicInteger();

  /** Messages handed to ServerCall.sendMessage. */
  final AtomicInteger sent = new AtomicInteger();

  /** Set before the call starts: isReady() is always false; see CallRecorder.neverReady. */
  volatile boolean neverReady;

  /** The status of the last close, or null before it. */
  volatile Status status;

  /** Counted down on the first ServerCall.request: the handler's first recv is asking. */
  final CountDownLatch requested = new CountDownLatch(1);

  /** Counted down the first time isReady() is false: the handler is about to wait in send. */
  final CountDownLatch notReady = new CountDownLatch(1);

  /** Counted down when grpc delivers onCancel: the transport ended the call. */
  final CountDownLatch cancelled = new CountDownLatch(1);

  /** Counted down when grpc delivers onComplete. */
  final CountDownLatch completed = new CountDownLatch(1);

  /** Counted down when ServerCall.close returns. */
  final CountDownLatch closed = new CountDownLatch(1);

  RecordedCall(String method, String id) {
    this.method = method;
    this.id = id;
  }

  /** Waits for {@code latch}, failing the test with {@code what} if it takes longer than timeout. */
  static void await(CountDownLatch latch, Duration timeout, String what)
      throws InterruptedException {
    if (!latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }
  }

  /** Waits for the adapter to close this call, and returns the status it closed it with. */
  Status awaitClose(Duration timeout) throws InterruptedException {
    await(closed, timeout, "the adapter to close " + method);
    return status;
  }

  /** Whether grpc delivered onCancel for this call. */
  boolean wasCancelled() {
    return cancelled.getCount() == 0;
  }

  @Override
  public String toString() {
    return method + (id == null ? "" : "#" + id) + " closes=" + closes + " status=" + status
        + " cancelled=" + wasCancelled();
  }
}
