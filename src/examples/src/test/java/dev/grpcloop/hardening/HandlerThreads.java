package dev.grpcloop.hardening;

import dev.grpcloop.TestThreads;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;

/**
 * A recording {@link ThreadFactory} for the adapter's handler threads: virtual threads, as the
 * adapter's default, each remembered so that a test can tell how many were made and whether any is
 * still alive.
 */
final class HandlerThreads implements ThreadFactory {
  private final ThreadFactory virtual = Thread.ofVirtual().name("hardening-handler-", 0).factory();

  /** Every thread made since the last {@link #drain}. */
  private final Queue<Thread> made = new ConcurrentLinkedQueue<>();

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = virtual.newThread(task);
    made.add(thread);
    return thread;
  }

  /** How many threads were made since the last {@link #drain}. */
  int made() {
    return made.size();
  }

  /** How many of the threads made since the last {@link #drain} are alive. */
  long alive() {
    return made.stream().filter(Thread::isAlive).count();
  }

  /**
   * Waits up to {@code timeout} in all for every thread made so far to end, and returns those still
   * alive (empty when none is left).
   */
  List<Thread> awaitAllEnded(Duration timeout) throws InterruptedException {
    return TestThreads.joinAll(made, timeout);
  }

  /** Forgets the threads made so far and returns how many there were. */
  int drain() {
    int count = 0;
    while (made.poll() != null) {
      count++;
    }
    return count;
  }
}
