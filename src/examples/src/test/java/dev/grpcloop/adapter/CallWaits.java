package dev.grpcloop.adapter;

import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/** Where a test's thread stands in a call: parked in one of the call's waits, or not. */
final class CallWaits {
  private CallWaits() {}

  /**
   * Whether {@code thread} is in {@code state} inside one of the call's waits ({@link
   * Timeouts#park}, a server's or a client's: recv's, send's, a client's metadata), rather than
   * running, or waiting a moment for a lock on its way there or out.
   */
  static boolean parkedInTheCall(Thread thread, Thread.State state) {
    if (thread.getState() != state) {
      return false;
    }
    boolean inWait = false;
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().equals(AbstractQueuedSynchronizer.class.getName())
          && frame.getMethodName().equals("acquire")) {
        return false; // taking the call's lock, not waiting in the call
      }
      if (frame.getMethodName().equals("park")
          && frame.getClassName().equals(Timeouts.class.getName())) {
        inWait = true;
      }
    }
    return inWait;
  }

  /** Waits until {@code thread} is parked in one of the call's waits, timed or not. */
  static void awaitParked(Thread thread) {
    TestServer.awaitUntil(thread.getName() + " is parked in the call", () -> isParked(thread));
  }

  /** Waits until {@code thread} is parked in one of the call's waits, or has ended. */
  static void awaitParkedOrEnded(Thread thread) {
    TestServer.awaitUntil(thread.getName() + " is parked in the call, or ended",
        () -> !thread.isAlive() || isParked(thread));
  }

  private static boolean isParked(Thread thread) {
    return parkedInTheCall(thread, Thread.State.WAITING)
        || parkedInTheCall(thread, Thread.State.TIMED_WAITING);
  }
}
