package dev.grpcloop.hardening;

import java.util.concurrent.locks.LockSupport;

/**
 * Holds a reader to a byte rate, to play a slow consumer in the backpressure runs: a rate limit,
 * not a synchronisation (nothing waits for anything to happen).
 */
final class Pacer {
  private final long start = System.nanoTime();
  private final long bytesPerSecond;

  Pacer(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Returns once {@code bytesSoFar} bytes are due at this rate. */
  void pace(long bytesSoFar) {
    long due = start + (long) (bytesSoFar * 1e9 / bytesPerSecond);
    for (long wait; (wait = due - System.nanoTime()) > 0; ) {
      LockSupport.parkNanos(wait);
    }
  }
}
