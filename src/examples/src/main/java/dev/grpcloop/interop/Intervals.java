package dev.grpcloop.interop;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The pauses between streamed responses that interop requests ask for ({@code interval_us}). */
final class Intervals {
  private Intervals() {}

  /**
   * Waits {@code micros} microseconds, or less if the call is cancelled or its deadline passes
   * meanwhile: then it throws at once rather than keep a handler busy for a client that left.
   * Must run on the handler's thread, where {@code Context.current()} is the call's Context.
   *
   * @throws StatusException {@code CANCELLED} or {@code DEADLINE_EXCEEDED} if the call ended
   */
  static void await(long micros) throws InterruptedException, StatusException {
    if (micros <= 0) {
      return;
    }
    Context call = Context.current();
    CountDownLatch ended = new CountDownLatch(1);
    Context.CancellationListener listener = context -> ended.countDown();
    call.addListener(listener, Runnable::run);
    try {
      if (ended.await(micros, TimeUnit.MICROSECONDS)) {
        Status status = Contexts.statusFromCancelled(call);
        throw (status != null ? status : Status.CANCELLED).asException();
      }
    } finally {
      call.removeListener(listener);
    }
  }
}
