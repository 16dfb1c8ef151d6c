package dev.grpcloop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Joining the threads a test made, bounded. */
public final class TestThreads {
  private TestThreads() {}

  /**
   * Waits up to {@code timeout} in all for every one of {@code threads} to end, and returns those
   * still alive (empty when none is left).
   */
  public static List<Thread> joinAll(Iterable<Thread> threads, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Thread> alive = new ArrayList<>();
    for (Thread thread : threads) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        thread.join(Duration.ofNanos(left));
      }
      if (thread.isAlive()) {
        alive.add(thread);
      }
    }
    return alive;
  }
}
