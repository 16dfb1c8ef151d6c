package dev.grpcloop.adapter;

import io.grpc.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The helper threads of one server call ({@link ServerCallScope#fork}). Each runs in the call's
 * Context. While the handler runs, the first helper to fail fails the call: its failure is kept
 * and the handler is interrupted. When the handler finishes, {@link #stop} interrupts the helpers
 * still running and waits for them, {@link #STOP_WAIT} at most, so that none outlives the call
 * unless it ignores the interrupt: such a helper is logged and left to end by itself, never
 * waited for again. Made by the first fork.
 */
final class HelperThreads {

  /**
   * How long the handler's end waits, in all, for its interrupted helpers to end before the call
   * closes without them. A helper that stops when interrupted ends well within it.
   */
  static final Duration STOP_WAIT = Duration.ofSeconds(1);

  private static final Logger logger = Logger.getLogger(BlockingServerCalls.class.getName());

  /** Guards the fields below. Never held while a helper is joined. */
  private final ReentrantLock lock = new ReentrantLock();

  private final Context context;

  /** The handler's thread: interrupted by the first failure. */
  private final Thread handler;

  /** Helpers started and not yet ended. */
  private final List<Thread> running = new ArrayList<>(2);

  /** The handler finished: no more helpers may start. */
  private boolean stopped;

  /** What the first helper to fail threw while the handler ran, or null. */
  private Throwable failure;

  HelperThreads(Context context, Thread handler) {
    this.context = context;
    this.handler = handler;
  }

  /** Starts {@code task} on a new virtual thread; see {@link ServerCallScope#fork}. */
  Thread fork(ServerCallScope.Task task) {
    Thread thread = Thread.ofVirtual().name(handler.getName() + " helper")
        .unstarted(() -> run(task));
    lock.lock();
    try {
      if (stopped) {
        throw new IllegalStateException("fork() after the handler finished");
      }
      // Started under the lock, so that stop() never finds a helper that has yet to start (its
      // join would throw): a fork() from another thread may race the handler's end.
      thread.start();
      running.add(thread);
    } finally {
      lock.unlock();
    }
    return thread;
  }

  /**
   * Called by the handler's thread when the handler has finished: interrupts the helpers still
   * running, waits {@link #STOP_WAIT} at most for them to end, logs each one still running then,
   * and returns the first failure of one while the handler ran, or null.
   */
  Throwable stop() {
    List<Thread> left;
    lock.lock();
    try {
      stopped = true;
      left = List.copyOf(running);
    } finally {
      lock.unlock();
    }
    left.forEach(Thread::interrupt);
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (Thread helper : left) {
      if (!joinUntil(helper, deadline)) {
        logger.log(Level.WARNING, "Helper thread " + helper.getName() + " (#" + helper.threadId()
            + ") ignored the interrupt: it still runs " + STOP_WAIT.toMillis() + " ms after its"
            + " handler finished; the call closes without it, and nobody waits for it");
      }
    }
    lock.lock();
    try {
      return failure;
    } finally {
      lock.unlock();
    }
  }

  private void run(ServerCallScope.Task task) {
    try {
      context.call(() -> {
        task.run();
        return null;
      });
    } catch (Throwable t) {
      failed(t);
    } finally {
      lock.lock();
      try {
        running.remove(Thread.currentThread());
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * The first failure while the handler runs becomes the call's, and wakes the handler. After the
   * handler finished, a helper stopped by {@link #stop}'s interrupt is expected; anything else it
   * throws is logged, as is a second failure.
   */
  private void failed(Throwable t) {
    boolean first;
    boolean afterHandler;
    lock.lock();
    try {
      afterHandler = stopped;
      first = !afterHandler && failure == null;
      if (first) {
        failure = t;
      }
    } finally {
      lock.unlock();
    }
    if (first) {
      handler.interrupt();
    } else if (!(t instanceof InterruptedException)) {
      logger.log(Level.WARNING, "A helper thread of " + handler.getName() + " failed"
          + (afterHandler ? " after the handler finished" : " after another"), t);
    }
  }

  /** Waits for {@code thread} to end until {@code deadline} (nanoTime); returns whether it did. */
  private static boolean joinUntil(Thread thread, long deadline) {
    for (;;) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return !thread.isAlive();
      }
      try {
        return thread.join(Duration.ofNanos(left));
      } catch (InterruptedException e) {
        // A helper failing meanwhile interrupted the handler: the outcome is already recorded.
      }
    }
  }
}
