package dev.grpcloop.eventloop;

import io.grpc.netty.shaded.io.netty.channel.IoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.ManualIoEventLoop;
import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocalThread;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One event loop whose platform thread, the carrier, runs nothing but virtual-thread
 * continuations: those of the loop's I/O thread, a virtual thread that drives Netty's {@link
 * ManualIoEventLoop}, and those of the threads born on this loop: a server's handlers, a client's
 * callers (both "handlers" below).
 *
 * <p>Why: a platform thread that runs Netty and grpc code directly can block on a monitor (the
 * JDK's {@code Cleaner.add}, for every unpooled direct buffer) that the JDK has meanwhile handed to
 * one of its own handler virtual threads, which can then never run: a deadlock. Here Netty's code
 * runs in a virtual thread, which unmounts when it blocks, and the carrier itself only takes
 * continuations from lock-free structures, runs them, and parks. Its coordination with submitters
 * is one flag each way, written then the other side's state read (the Dekker pattern), so no
 * wake-up is lost:
 *
 * <ul>
 *   <li>A submitter (a grpc callback on the I/O thread waking a handler, a timer, another handler)
 *       queues the continuation, then unparks the carrier if it has said it is parking, and wakes
 *       the I/O thread's {@code epoll_wait} (eventfd) if it has said it may block there.
 *   <li>The carrier says it is parking, then re-checks its queue; the I/O thread says it may block,
 *       then re-checks the queue in {@link LoopIo#canBlock} just before the system call.
 * </ul>
 *
 * <p>A handler that computes, or pins its carrier, is bounded by the {@link Watchdog}: see {@link
 * #watch}.
 */
final class Loop {
  private static final Logger logger = Logger.getLogger(EventLoopHandlers.class.getName());

  /** The loop whose I/O thread is the current thread: what the thread factory asks. */
  private static final ThreadLocal<Loop> CURRENT = new ThreadLocal<>();

  /** How long the I/O thread may wait in epoll when nothing else is to do (a safety net). */
  private static final long MAX_BLOCK_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** How long one I/O round may run Netty's tasks before it lets handlers run. */
  private static final long TASK_BUDGET_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

  /** How long the carrier runs handlers in a row before it gives the I/O thread its turn. */
  private static final long HANDLER_BUDGET_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

  /**
   * After this many ticks in a row inside one run while other work of the loop waits, a carrier
   * that waits (a pinned virtual thread parked, or blocked on a monitor) counts as stuck.
   */
  static final int STUCK_TICKS = 5;

  /**
   * After this many ticks in a row inside one run while other work of the loop waits, a carrier
   * that has used (almost) no CPU in each of them counts as stuck (pinned in native code). Longer
   * than {@link #STUCK_TICKS}: a carrier the OS starves uses no CPU either, and replacing it would
   * not help.
   */
  static final int SILENT_TICKS = 25;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static final VarHandle IO_PENDING;

  static {
    try {
      IO_PENDING = MethodHandles.lookup().findVarHandle(Loop.class, "ioPending", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final int index;
  private final GroupState group;
  final LoopIo io;
  final Thread ioThread;
  private final IoScheduler ioScheduler = new IoScheduler();

  /** Handler continuations ready to run (each a {@link HandlerScheduler}). Lock-free. */
  private final ConcurrentLinkedQueue<Runnable> runQueue = new ConcurrentLinkedQueue<>();

  /** The I/O thread's continuation is ready to run. */
  private volatile boolean ioPending;

  /** The I/O thread is inside a round that may block in epoll. */
  private volatile boolean ioBlocking;

  /** The I/O thread has ended: Netty's loop is terminated. */
  private volatile boolean ioDone;

  /** The carrier is gone for good; every continuation goes to the default scheduler. */
  private volatile boolean closed;

  /** The carrier now serving this loop; replaced by the watchdog when stuck. */
  private volatile Carrier carrier;

  /** Carriers started so far, for their names. Watchdog thread only (and the constructor). */
  private int generation;

  /** The run the watchdog saw at its previous tick, or 0, and what it saw of it. Watchdog only. */
  private long watchedToken;
  private Carrier watchedCarrier;
  private int waitingTicks;
  /** The carrier's CPU time when the watchdog first saw this run, and at its previous tick. */
  private long firstCpu;
  private long lastCpu;
  /** Ticks in a row, in this run, in each of which the carrier used (almost) no CPU. */
  private int silentTicks;

  Loop(IoEventLoopGroup parent, int index, IoHandlerFactory factory, GroupState group) {
    this.index = index;
    this.group = group;
    this.ioThread = group.hooks.newThread(ioScheduler, "grpc-loop-io-" + index,
        () -> FastThreadLocalThread.runWithFastThreadLocal(this::ioLoop));
    this.io = new LoopIo(parent, ioThread, factory);
    this.carrier = new Carrier(generation++);
    ioThread.start();
    carrier.thread.start();
  }

  /** The loop whose I/O thread is the calling thread, or null. */
  static Loop current() {
    return CURRENT.get();
  }

  GroupState group() {
    return group;
  }

  boolean isClosed() {
    return closed;
  }

  Executor offLoop() {
    return group.offLoop();
  }

  /** A new handler thread, not started, scheduled on this loop. */
  Thread newHandlerThread(String name, Runnable task) {
    return group.hooks.newThread(new HandlerScheduler(this), name, task);
  }

  // ---- submitting (any thread; never blocks) ----

  /** Queues a handler's continuation, and wakes whoever must run it. */
  void submit(HandlerScheduler handler) {
    if (closed) {
      handler.moveOff();
      offLoop().execute(handler.continuation());
      return;
    }
    runQueue.offer(handler);
    if (closed) {
      // The carrier may have drained the queue before this offer: whoever sees closed drains.
      drainOffLoop();
      return;
    }
    if (ioBlocking && Thread.currentThread() != ioThread) {
      io.wakeup();
    }
    wakeCarrier();
  }

  private void wakeCarrier() {
    Carrier c = carrier;
    if (c.parked) {
      LockSupport.unpark(c.thread);
    }
  }

  private void drainOffLoop() {
    for (Runnable task; (task = runQueue.poll()) != null; ) {
      HandlerScheduler handler = (HandlerScheduler) task;
      handler.moveOff();
      offLoop().execute(handler.continuation());
    }
  }

  // ---- the I/O thread ----

  private void ioLoop() {
    CURRENT.set(this);
    try {
      while (!io.isShuttingDown()) {
        try {
          if (runQueue.isEmpty()) {
            ioBlocking = true;
            try {
              io.run(MAX_BLOCK_NANOS, TASK_BUDGET_NANOS);
            } finally {
              ioBlocking = false;
            }
          } else {
            io.runNow(TASK_BUDGET_NANOS);
          }
        } catch (Throwable t) {
          logger.log(Level.SEVERE, "grpc-loop: event loop " + index + " failed a round", t);
        }
        if (!runQueue.isEmpty()) {
          Thread.yield(); // the carrier runs the handlers this round woke, then this again
        }
      }
      while (!io.isTerminated()) {
        io.runNow();
        Thread.yield();
      }
    } finally {
      CURRENT.remove();
      ioDone = true;
      wakeCarrier(); // a replacement carrier may be parked, waiting for this
    }
  }

  /** Netty's loop, driven by the I/O thread; it may block only while no handler is ready. */
  final class LoopIo extends ManualIoEventLoop {
    LoopIo(IoEventLoopGroup parent, Thread owner, IoHandlerFactory factory) {
      super(parent, owner, factory);
    }

    /** Called by the IoHandler right before epoll_wait, after ioBlocking was set. */
    @Override
    protected boolean canBlock() {
      return runQueue.isEmpty();
    }
  }

  /** The I/O thread's scheduler: its continuation has a slot of its own. */
  private final class IoScheduler implements Executor {
    private volatile Runnable own;

    @Override
    public void execute(Runnable continuation) {
      Runnable mine = own;
      if (mine == null) {
        own = mine = continuation;
      }
      if (continuation != mine || closed) {
        offLoop().execute(continuation); // a thread the I/O thread started inherited this
        return;
      }
      ioPending = true;
      wakeCarrier();
    }
  }

  // ---- the carrier ----

  /** One platform thread serving this loop, until its loop ends or the watchdog retires it. */
  final class Carrier implements Runnable {
    /** An even value that no run has: the watchdog retired this carrier during a run. */
    static final long RETIRED = Long.MIN_VALUE;

    private static final VarHandle TOKEN;

    static {
      try {
        TOKEN = MethodHandles.lookup().findVarHandle(Carrier.class, "token", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final Thread thread;

    /** Odd while a continuation runs (a new value each run), even between runs. */
    private volatile long token;

    /** The handler whose continuation is running, or null (the I/O thread's, or none). */
    private volatile HandlerScheduler running;

    /** The carrier is parking, or parked: a submitter must unpark it. */
    volatile boolean parked;

    Carrier(int generation) {
      String name = "grpc-loop-carrier-" + index + (generation == 0 ? "" : "." + generation);
      this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this);
    }

    @Override
    public void run() {
      try {
        carry(this);
      } catch (Throwable t) {
        logger.log(Level.SEVERE, "grpc-loop: carrier of event loop " + index + " failed", t);
        throw t;
      }
    }
  }

  private void carry(Carrier me) {
    while (!ioDone) {
      boolean worked = false;
      if ((boolean) IO_PENDING.getAndSet(this, false)) {
        worked = true;
        if (runOne(me, ioScheduler.own, null) < 0) {
          return; // retired by the watchdog while the I/O thread ran
        }
      }
      long start = System.nanoTime();
      for (Runnable task; !ioDone && (task = runQueue.poll()) != null; ) {
        worked = true;
        long end = runOne(me, task, (HandlerScheduler) task);
        if (end < 0) {
          return; // retired: a new carrier serves this loop, and this one's run has ended
        }
        if (ioPending && end - start > HANDLER_BUDGET_NANOS) {
          break;
        }
      }
      if (!worked) {
        me.parked = true;
        if (runQueue.isEmpty() && !ioPending && !ioDone) {
          LockSupport.park(this);
        }
        me.parked = false;
      }
    }
    // Netty's loop has terminated: the handlers still queued, and any woken later, go on as
    // ordinary virtual threads.
    closed = true;
    drainOffLoop();
  }

  /**
   * Runs one continuation; returns the time it ended, or -1 if the watchdog retired this carrier
   * meanwhile (then another carrier serves the loop and this one must stop at once).
   */
  private long runOne(Carrier me, Runnable continuation, HandlerScheduler handler) {
    long token = me.token + 1;
    me.running = handler;
    me.token = token;
    try {
      continuation.run();
    } catch (Throwable t) {
      logger.log(Level.SEVERE, "grpc-loop: a continuation failed on event loop " + index, t);
    }
    if (!Carrier.TOKEN.compareAndSet(me, token, token + 1)) {
      return -1;
    }
    me.running = null;
    return System.nanoTime();
  }

  // ---- the watchdog ----

  /**
   * Called by the watchdog at each tick (one time slice apart), for runs of the carrier that last
   * across ticks; a run normally lasts microseconds. From the second tick of one run on:
   *
   * <ul>
   *   <li>a handler whose carrier has spent a whole slice on the CPU since is computing: it moves
   *       off the loop (from its next run on, it is the default scheduler's); if other work of the
   *       loop waited at this tick and the one before, the carrier is replaced (below);
   *   <li>a run of a handler or of the I/O thread during which other work has waited for {@link
   *       #STUCK_TICKS} ticks in a row with the carrier waiting (a virtual thread pinned in a class
   *       initialiser or a native frame that parked, waits for a monitor, or sleeps), or for
   *       {@link #SILENT_TICKS} ticks with the carrier using no CPU in any of them (pinned in
   *       native code: file I/O, or an epoll_wait that missed its wake-up), gets its carrier
   *       replaced too.
   * </ul>
   *
   * <p>Silence is judged tick by tick, computing on the sum since the run was first seen. A run
   * that still used CPU after it was first seen and then pinned in native code is silent from
   * then on; judged on the sum, it never was, and its carrier was never replaced (a clean-clone
   * CI run hung in {@code LoopStallTest} so: its handler's run used 180 to 270 µs of CPU before
   * its blocking {@code open}, the sum allowed 1 % of a slice, 100 µs).
   *
   * <p>Replacing: the carrier is retired, atomically with respect to the end of that run (a CAS on
   * its run token), and a new one serves the loop; the old one finishes its run and exits.
   *
   * <p>The tests are on CPU time and thread state, not on the time passed, so that a carrier the
   * OS merely starves (a busy machine) is left alone: replacing it would only add a thread
   * competing for the same cores. Under such load a computing handler is caught once it has had a
   * slice of CPU, later than a slice of wall time.
   */
  void watch(long now) {
    if (closed) {
      return;
    }
    Carrier c = carrier;
    long token = c.token;
    if ((token & 1) == 0) {
      watchedToken = 0;
      return;
    }
    boolean waiting = ioPending || !runQueue.isEmpty();
    if (watchedToken != token || watchedCarrier != c) {
      // First sighting of this run: give it until the next tick.
      watchedToken = token;
      watchedCarrier = c;
      firstCpu = lastCpu = cpuTime(c);
      waitingTicks = waiting ? 1 : 0;
      silentTicks = 0;
      return;
    }
    waitingTicks = waiting ? waitingTicks + 1 : 0;
    HandlerScheduler handler = c.running;
    long cpu = cpuTime(c);
    boolean measured = cpu >= 0 && firstCpu >= 0 && lastCpu >= 0;
    boolean computing = handler != null
        && (measured ? cpu - firstCpu >= group.sliceNanos : waitingTicks >= 2);
    if (computing && handler.moveOff()) {
      group.handlersMovedOff.increment();
    }
    // Since the previous tick only: CPU the run used earlier must not hide that it uses none now.
    silentTicks = measured && cpu - lastCpu < group.sliceNanos / 100 ? silentTicks + 1 : 0;
    lastCpu = cpu;
    boolean replace = waitingTicks >= 2 && computing
        || waitingTicks >= STUCK_TICKS && c.thread.getState() != Thread.State.RUNNABLE
        || waitingTicks >= SILENT_TICKS && silentTicks >= SILENT_TICKS;
    if (!replace || !Carrier.TOKEN.compareAndSet(c, token, Carrier.RETIRED)) {
      return; // nothing to do, or the run ended just now
    }
    watchedToken = 0;
    watchedCarrier = null;
    if (handler != null && handler.moveOff()) {
      group.handlersMovedOff.increment();
    }
    Carrier next = new Carrier(generation++);
    carrier = next;
    next.thread.start();
    group.carriersReplaced.increment();
    logger.fine(() -> "grpc-loop: event loop " + index + " was stuck in one run of "
        + (handler == null ? "its I/O thread" : "a handler") + "; " + next.thread.getName()
        + " serves it now");
  }

  /** The CPU time of the carrier's OS thread, or -1 where the JVM does not measure it. */
  private static long cpuTime(Carrier c) {
    try {
      return THREADS.getThreadCpuTime(c.thread.threadId());
    } catch (UnsupportedOperationException e) {
      return -1;
    }
  }

  /** Waits until the loop's current carrier has exited, or the time is up. */
  boolean awaitCarrierExit(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (;;) {
      Carrier c = carrier;
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return !c.thread.isAlive() && c == carrier;
      }
      c.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      if (!c.thread.isAlive() && c == carrier) {
        return true;
      }
    }
  }
}
