package dev.grpcloop.bench;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Counts the live handlers of a server JVM, cheaply enough to poll while thousands of calls end:
 * handler threads for the adapter, open calls for raw grpc-java (which has no thread per call).
 */
final class HandlerCensus {
  private HandlerCensus() {}

  /** The name prefix of the handler threads in the thread-per-call contrast. */
  static final String PLATFORM_HANDLER_PREFIX = "bench-handler-";

  /**
   * The number of live virtual threads in this JVM. In a bench server the only virtual threads are
   * the adapter's handler threads.
   *
   * <p>The JDK has no public count of virtual threads (thread dumps list them, at a cost that grows
   * with their number). Its root thread container keeps one, for thread dumps: a set of the live
   * virtual threads by default, or a counter under {@code -Djdk.trackAllThreads=false}. Reading it
   * needs {@code --add-opens java.base/jdk.internal.vm=ALL-UNNAMED}, which the benchmark passes to
   * its server JVMs.
   *
   * @throws IllegalStateException if this JVM does not allow the read
   */
  static IntSupplier virtualThreads() {
    String root = "jdk.internal.vm.ThreadContainers$RootContainer$";
    try {
      Field set = Class.forName(root + "TrackingRootContainer").getDeclaredField("VTHREADS");
      set.setAccessible(true);
      Collection<?> live = (Collection<?>) set.get(null);
      Field adder = Class.forName(root + "CountingRootContainer").getDeclaredField("VTHREAD_COUNT");
      adder.setAccessible(true);
      LongAdder counted = (LongAdder) adder.get(null);
      // Only one of the two is in use; the other stays empty.
      return () -> Math.toIntExact(live.size() + counted.sum());
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot count virtual threads: start this JVM with"
              + " --add-opens java.base/jdk.internal.vm=ALL-UNNAMED", e);
    }
  }

  /** The number of live platform threads whose name starts with {@code prefix}. */
  static IntSupplier platformThreadsNamed(String prefix) {
    ThreadGroup top = Thread.currentThread().getThreadGroup();
    while (top.getParent() != null) {
      top = top.getParent();
    }
    ThreadGroup all = top;
    return () -> {
      Thread[] threads = new Thread[all.activeCount() + 64];
      int n = all.enumerate(threads, true);
      int count = 0;
      for (int i = 0; i < n; i++) {
        if (threads[i].getName().startsWith(prefix)) {
          count++;
        }
      }
      return count;
    };
  }
}
