package dev.grpcloop.hardening;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;

/**
 * Catches what ends the threads of a factory uncaught, for a test that makes a handler throw an
 * Error on purpose: the adapter lets an Error end the handler's thread, where the JVM would print
 * it (an expected stack trace in a passing run). Recorded instead, so that the test can assert it.
 */
final class UncaughtRecorder implements Thread.UncaughtExceptionHandler {
  private final Queue<Throwable> uncaught = new ConcurrentLinkedQueue<>();

  /** {@code threads}, with this recorder on every thread they make. */
  ThreadFactory on(ThreadFactory threads) {
    return task -> {
      Thread thread = threads.newThread(task);
      thread.setUncaughtExceptionHandler(this);
      return thread;
    };
  }

  @Override
  public void uncaughtException(Thread thread, Throwable e) {
    uncaught.add(e);
  }

  /** What ended a thread so far, in order. */
  List<Throwable> uncaught() {
    return List.copyOf(uncaught);
  }
}
