package dev.grpcloop.adapter;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The executor of one client call's callbacks: they run on the application thread that waits in
 * the call, as with grpc-java's threadless executor behind its blocking stubs, whenever one is
 * parked there; and at once, on the thread that submits them, when none is.
 *
 * <ul>
 *   <li>While application threads are parked in the call's waits (recv, send, headers, trailers:
 *       inside {@link #awaitOrRun}), a callback is queued and they are woken;
 *       one of them runs it, then looks again at what it waits for. grpc's transport thread only
 *       queues and wakes: no third thread comes between, and the callback's work (parsing the
 *       response, the call's bookkeeping, interceptors' listeners) runs on a thread that wants its
 *       result. Any number of threads may wait at once (a sender and a receiver, and others for
 *       headers or trailers): whichever runs a callback, the others see its effect when they look
 *       again. A thread that leaves its operation runs what is still queued ({@link #runQueued}),
 *       and so does one about to park.
 *   <li>While no thread is parked in the call, a callback runs at once on the submitting thread,
 *       in practice grpc's transport thread, as on a {@code directExecutor()} channel: the call's
 *       callbacks only record and wake, they never block. So no callback ever waits here for a
 *       thread that may not come, or that is busy elsewhere: an application that is computing
 *       still gets its responses read ahead (up to the call's bounds); one that stops calling, or
 *       goes away without closing the stream, leaves no response, and no transport buffer, stuck
 *       in a queue; and grpc's own end of the call (its deadline timer, its Context listener, the
 *       channel's call counts: the task that calls onClose) runs when it comes, after a close or a
 *       cancel from any thread.
 * </ul>
 *
 * <p>grpc serialises a call's callbacks itself (its {@code SerializingExecutor} submits one task
 * at a time here), so two threads running queued tasks never run two callbacks at once.
 *
 * <p>No callback is lost between the two rules: {@code execute} queues the task and then reads how
 * many threads are parked, and wakes them, or runs the queue itself if none is; a parked thread
 * lowers the count when it wakes and then passes a point that runs the queue (its next wait, or the
 * end of its operation). Each writes its own variable before it reads the other's, so the task is
 * run by the submitter or by a thread that was parked when it looked.
 */
final class CallbackExecutor implements Executor {
  private static final Logger logger = Logger.getLogger(CallbackExecutor.class.getName());

  /** Callbacks waiting for a parked thread to run them. */
  private final ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();

  /** The call's lock, which its waiting threads hold but while they park or run callbacks. */
  private final ReentrantLock lock;

  /** Wakes the threads parked in the call, wherever they wait (takes the call's lock). */
  private final Runnable wakeWaiters;

  /** Application threads parked in the call's waits. Changed under {@code lock}, read without. */
  private volatile int parked;

  CallbackExecutor(ReentrantLock lock, Runnable wakeWaiters) {
    this.lock = lock;
    this.wakeWaiters = wakeWaiters;
  }

  /** Called by grpc with each callback task of the call; never blocks for long. */
  @Override
  public void execute(Runnable task) {
    if (parked == 0) {
      runQuietly(task);
      return;
    }
    queued.offer(task);
    if (parked == 0) {
      runQueued(); // the waiters woke meanwhile, perhaps past their last look at the queue
      return;
    }
    wakeWaiters.run();
  }

  /**
   * Requires {@code lock}, held once: a thread of the call waits once, as {@link
   * CallCore#awaitOnce} says. If callbacks are queued, it runs them instead, without the lock,
   * and returns the nanos left; else it parks on {@code call} ({@link Timeouts#park}), and
   * callbacks queue for it until it wakes.
   */
  long awaitOrRun(Object call, long nanos, String operation)
      throws InterruptedException, TimeoutException {
    if (hasQueued()) {
      return runInstead(nanos);
    }
    parked++;
    try {
      return Timeouts.park(lock, call, nanos, operation);
    } finally {
      parked--; // the caller passes runQueued before it leaves the call
    }
  }

  private long runInstead(long nanos) {
    long start = System.nanoTime();
    lock.unlock();
    try {
      runQueued();
    } finally {
      lock.lock();
    }
    return Timeouts.left(nanos, start);
  }

  /** Whether callbacks wait for a thread to run them. */
  boolean hasQueued() {
    return !queued.isEmpty();
  }

  /**
   * Runs the queued callbacks on the calling thread, which must hold none of the call's locks
   * (a callback takes them, and calls into grpc).
   */
  void runQueued() {
    for (Runnable task; (task = queued.poll()) != null; ) {
      runQuietly(task);
    }
  }

  private static void runQuietly(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      logger.log(Level.WARNING, "a callback of a client call failed", e);
    }
  }
}
