package dev.grpcloop.eventloop;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The two non-public JDK hooks this mode needs, found by reflection (they need {@code --add-opens
 * java.base/java.lang=ALL-UNNAMED}) and tried once before use:
 *
 * <ul>
 *   <li>the package-private constructor {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor
 *       scheduler)}, which makes virtual threads whose continuations go to {@code scheduler};
 *   <li>{@code java.lang.VirtualThread.DEFAULT_SCHEDULER}, the JDK's own ForkJoinPool, to hand a
 *       virtual thread back to ordinary scheduling.
 * </ul>
 *
 * <p>Neither is supported API: any JDK release may drop or change them. {@link #load} then fails and
 * the caller falls back to ordinary virtual threads.
 */
final class VirtualThreadHooks {

  private final MethodHandle newBuilder;
  private final Executor defaultScheduler;

  private VirtualThreadHooks(MethodHandle newBuilder, Executor defaultScheduler) {
    this.newBuilder = newBuilder;
    this.defaultScheduler = defaultScheduler;
  }

  /** The hooks of this JVM, looked up and tried on first use; throws the reason if refused. */
  static VirtualThreadHooks get() throws Exception {
    Object result = Holder.RESULT;
    if (result instanceof VirtualThreadHooks hooks) {
      return hooks;
    }
    throw (Exception) result;
  }

  private static final class Holder {
    static final Object RESULT = loadOrFailure();

    private static Object loadOrFailure() {
      try {
        return load();
      } catch (Exception e) {
        return e;
      } catch (LinkageError e) {
        return new UnsupportedOperationException(e.toString(), e);
      }
    }
  }

  /** Looks the hooks up and checks that a probe thread really runs on its own scheduler. */
  static VirtualThreadHooks load() throws Exception {
    Class<?> builderClass = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
    MethodHandle constructor = MethodHandles.privateLookupIn(builderClass, MethodHandles.lookup())
        .findConstructor(builderClass, MethodType.methodType(void.class, Executor.class))
        .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
    Field field = Class.forName("java.lang.VirtualThread").getDeclaredField("DEFAULT_SCHEDULER");
    field.setAccessible(true);
    Executor defaultScheduler = (Executor) field.get(null);
    VirtualThreadHooks hooks = new VirtualThreadHooks(constructor, defaultScheduler);
    hooks.probe();
    return hooks;
  }

  /** A virtual thread, not started, whose continuations {@code scheduler} runs. */
  Thread newThread(Executor scheduler, String name, Runnable task) {
    Thread.Builder.OfVirtual builder;
    try {
      builder = (Thread.Builder.OfVirtual) newBuilder.invokeExact(scheduler);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    return builder.name(name).unstarted(task);
  }

  /** The JDK's own virtual-thread scheduler. */
  Executor defaultScheduler() {
    return defaultScheduler;
  }

  /**
   * Starts a virtual thread on a scheduler that runs each continuation on a new platform thread,
   * and checks that it ran there: a JDK that ignored the scheduler would fail here, not later.
   */
  private void probe() throws Exception {
    AtomicBoolean scheduled = new AtomicBoolean();
    CountDownLatch ran = new CountDownLatch(1);
    Executor scheduler = continuation -> {
      scheduled.set(true);
      Thread carrier = new Thread(continuation, "grpc-loop-probe-carrier");
      carrier.setDaemon(true);
      carrier.start();
    };
    Thread probe = newThread(scheduler, "grpc-loop-probe", ran::countDown);
    probe.start();
    if (!ran.await(10, TimeUnit.SECONDS) || !scheduled.get()) {
      throw new UnsupportedOperationException(
          "a virtual thread given its own scheduler did not run on it");
    }
    probe.join(TimeUnit.SECONDS.toMillis(10));
  }
}
