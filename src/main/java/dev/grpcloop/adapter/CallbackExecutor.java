package dev.grpcloop.adapter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The executor of one client call's callbacks: they run on the application thread that waits in
 * the call, as with grpc-java's threadless executor behind its blocking stubs, whenever one waits;
 * and at once, on the thread that submits them, when none does.
 *
 * <ul>
 *   <li>While application threads are inside the call's blocking operations (recv, send, headers,
 *       trailers: between {@link #enter} and {@link #leave}), a callback is queued and they are
 *       woken; one of them runs it before it parks, when woken, or as it leaves. grpc's transport
 *       thread only queues and wakes: no third thread comes between, and the callback's work
 *       (parsing the response, the call's bookkeeping, interceptors' listeners) runs on a thread
 *       that wants its result. Any number of threads may be inside at once (a sender and a
 *       receiver, and others waiting for headers or trailers): whichever runs a callback, the
 *       others see its effect when they look again.
 *   <li>While no thread is inside, a callback runs at once on the submitting thread, in practice
 *       grpc's transport thread, as on a {@code directExecutor()} channel: the call's callbacks
 *       only record and signal, they never block. So no callback ever waits here for a thread that
 *       may not come. An application that is busy elsewhere still gets its responses read ahead
 *       (up to the call's bounds); one that stops calling, or goes away without closing the
 *       stream, leaves no response, and no transport buffer, stuck in a queue; and grpc's own end
 *       of the call (its deadline timer, its Context listener, the channel's call counts: the task
 *       that calls onClose) runs when it comes, after a close or cancel from any thread.
 * </ul>
 *
 * <p>grpc serialises a call's callbacks itself (its {@code SerializingExecutor} submits one task
 * at a time here), so two threads running queued tasks never run two callbacks at once.
 *
 * <p>No callback is lost between the two rules: {@code execute} queues the task and then reads how
 * many threads are inside; {@code leave} lowers that count and then empties the queue. Each writes
 * its own variable before it reads the other's, so at least one of the two runs the task.
 */
final class CallbackExecutor implements Executor {
  private static final Logger logger = Logger.getLogger(CallbackExecutor.class.getName());

  private static final VarHandle INSIDE;

  static {
    try {
      INSIDE = MethodHandles.lookup().findVarHandle(CallbackExecutor.class, "inside", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Callbacks waiting for a thread inside the call. */
  private final ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();

  /** Wakes the threads inside the call, wherever they wait (takes the call's lock to signal). */
  private final Runnable wakeWaiters;

  /** Application threads inside the call's blocking operations. */
  private volatile int inside;

  CallbackExecutor(Runnable wakeWaiters) {
    this.wakeWaiters = wakeWaiters;
  }

  /** Called by grpc with each callback task of the call; never blocks for long. */
  @Override
  public void execute(Runnable task) {
    if (inside == 0) {
      runQuietly(task);
      return;
    }
    queued.offer(task);
    if (inside == 0) {
      runQueued(); // the last thread left meanwhile, perhaps before it could see the task
      return;
    }
    wakeWaiters.run();
  }

  /** The calling thread enters one of the call's blocking operations. */
  void enter() {
    INSIDE.getAndAdd(this, 1);
  }

  /** The calling thread leaves the blocking operation it entered: runs what it left queued. */
  void leave() {
    INSIDE.getAndAdd(this, -1);
    runQueued();
  }

  /** Whether callbacks wait for a thread inside the call. */
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
