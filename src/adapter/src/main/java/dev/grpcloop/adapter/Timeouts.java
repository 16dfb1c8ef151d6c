package dev.grpcloop.adapter;

import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How the adapter waits ({@link #park}, its one way) and counts time: a wait takes the nanoseconds
 * it may still use, or {@link #NONE} for no limit, and one that used them up throws {@link
 * TimeoutException}, leaving the call as it was. Each untimed operation is its timed one with
 * {@link #NONE} ({@link #untimed}).
 */
final class Timeouts {

  /** No limit. */
  static final long NONE = -1;

  private Timeouts() {}

  /** The caller's {@code timeout} in nanoseconds; a negative one leaves none. */
  static long nanos(long timeout, TimeUnit unit) {
    return Math.max(0, unit.toNanos(timeout));
  }

  /** What is left of {@code nanos} ({@link #NONE}: no limit) since {@code start}, a nanoTime. */
  static long left(long nanos, long start) {
    return nanos == NONE ? NONE : Math.max(0, nanos - (System.nanoTime() - start));
  }

  /**
   * Requires {@code lock}, held once. The adapter's one way to wait: parks the calling thread once,
   * without the lock, for at most {@code nanos} ({@link #NONE}: without limit), and returns the
   * nanos left; throws if none were left, or if the thread is interrupted. Whoever changes what
   * the thread waits for does so under the lock and then unparks it, so a change between the
   * thread's look and its park leaves a permit, and the park returns at once. The wait may end
   * early (a permit meant for an earlier wait): the caller looks again at what it waits for.
   * {@code blocker} is what a thread dump says the thread waits for: the call.
   */
  static long park(ReentrantLock lock, Object blocker, long nanos, String operation)
      throws InterruptedException, TimeoutException {
    assert lock.getHoldCount() == 1 : "park with the lock held " + lock.getHoldCount() + " times";
    if (nanos != NONE && nanos <= 0) {
      throw new TimeoutException(operation + "() timed out; the call goes on");
    }
    long start = nanos == NONE ? 0 : System.nanoTime();
    lock.unlock();
    try {
      if (nanos == NONE) {
        LockSupport.park(blocker);
      } else {
        LockSupport.parkNanos(blocker, nanos);
      }
    } finally {
      lock.lock();
    }
    if (Thread.interrupted()) {
      throw new InterruptedException(operation + "() was interrupted");
    }
    return left(nanos, start);
  }

  /**
   * Unparks {@code thread}, a call's waiter or null, unless it is the calling thread: a waiter that
   * runs a callback itself is awake and looks again, and a permit left on it would cut short its
   * next park, in the call or in the application's own code.
   */
  static void unpark(Thread thread) {
    if (thread != Thread.currentThread()) {
      LockSupport.unpark(thread);
    }
  }

  /** A call's operation that waits at most {@code nanos}. */
  interface Timed<T> {
    T run(long nanos) throws InterruptedException, StatusException, TimeoutException;
  }

  /** Runs {@code operation} without a limit, where it cannot time out. */
  static <T> T untimed(Timed<T> operation) throws InterruptedException, StatusException {
    try {
      return operation.run(NONE);
    } catch (TimeoutException impossible) {
      throw new AssertionError(impossible);
    }
  }
}
