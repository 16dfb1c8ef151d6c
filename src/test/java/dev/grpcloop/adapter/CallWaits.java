package dev.grpcloop.adapter;

/** Where a test's thread stands in a call: parked on one of the call's conditions, or not. */
final class CallWaits {
  private CallWaits() {}

  /**
   * Whether {@code thread} is in {@code state} inside {@code CallCore.await}: parked on one of the
   * call's conditions (in recv or send), rather than running, or waiting a moment for a lock on
   * its way there or out.
   */
  static boolean parkedInTheCall(Thread thread, Thread.State state) {
    if (thread.getState() != state) {
      return false;
    }
    for (StackTraceElement frame : thread.getStackTrace()) {
      if (frame.getClassName().equals(CallCore.class.getName())
          && frame.getMethodName().equals("await")) {
        return true;
      }
    }
    return false;
  }
}
