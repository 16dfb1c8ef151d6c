package dev.grpcloop.eventloop;

import java.util.concurrent.Executor;

/**
 * The scheduler of one handler's virtual thread (or a client's caller's: {@link EventLoopCallers}):
 * its continuations go to its {@link Loop}, until the handler is moved off the loop, after which
 * they go to the JDK's default scheduler.
 *
 * <p>One per thread, because a virtual thread that another virtual thread starts without a
 * scheduler of its own inherits its parent's: a thread the handler starts (or a library it calls
 * starts, or the JDK's sub-pollers on first socket I/O) would otherwise land on the loop too. The
 * JDK hands a thread's scheduler the same {@code Runnable} every time, so the first one this sees,
 * at {@code start()}, is the handler's own; any other belongs to a descendant and goes to the
 * default scheduler. Should a future JDK hand over a new object each time, every run after the
 * first would count as a descendant's: the handler would simply run off the loop.
 *
 * <p>It is also the entry the loop queues: running it runs the handler's continuation.
 */
final class HandlerScheduler implements Executor, Runnable {

  private final Loop loop;

  /** The handler thread's continuation: the first one submitted (at start). */
  private volatile Runnable own;

  /** Set once the handler computed or got stuck on the loop, or its loop ended: it stays off. */
  private volatile boolean movedOff;

  HandlerScheduler(Loop loop) {
    this.loop = loop;
  }

  @Override
  public void execute(Runnable continuation) {
    Runnable mine = own;
    if (mine == null) {
      own = mine = continuation;
    }
    if (continuation != mine || movedOff) {
      loop.offLoop().execute(continuation);
      return;
    }
    loop.submit(this);
  }

  /** Runs the handler's continuation, on a carrier of its loop. */
  @Override
  public void run() {
    own.run();
  }

  /** The handler's continuation, for handing it to another scheduler. */
  Runnable continuation() {
    return own;
  }

  /** From now on this handler runs on the default scheduler. Returns whether it was on the loop. */
  boolean moveOff() {
    if (movedOff) {
      return false;
    }
    movedOff = true;
    return true;
  }

  boolean isMovedOff() {
    return movedOff;
  }
}
