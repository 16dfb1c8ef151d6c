package dev.grpcloop.eventloop;

import dev.grpcloop.adapter.BlockingServerCalls;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An opt-in server mode in which each call's handler thread runs on the event loop that serves the
 * call, so that a message costs no hand-off between threads: the loop wakes the handler and the
 * handler's send reaches the loop without crossing to another OS thread. Enabled by one call when
 * the server is built:
 *
 * <pre>{@code
 * NettyServerBuilder builder = NettyServerBuilder.forPort(port);
 * EventLoopHandlers loops = EventLoopHandlers.configure(builder);
 * builder.addService(EchoServiceLoop.bindService(new EchoService(), loops.options()));
 * Server server = builder.build().start();
 * ...
 * server.shutdown();
 * server.awaitTermination();
 * loops.close();
 * }</pre>
 *
 * <p>{@link #configure} gives the builder its event loops (boss and worker), the matching channel
 * type (epoll where available, else NIO) and {@code directExecutor()}, replacing any set before.
 * {@link #options} are the bindings' options that run handlers so ({@code
 * BlockingServerCalls.bidiStreaming(method, handler, loops.options())}, or a generated {@code
 * FooLoop.bindService(impl, loops.options())}); {@link #threads} is their {@link ThreadFactory}, to
 * combine with other options: called on one of these loops
 * (grpc's {@code startCall}, which {@code directExecutor()} runs there), it makes a virtual thread
 * scheduled on that loop; called anywhere else, an ordinary virtual thread.
 *
 * <p>The JVM needs {@code --add-opens java.base/java.lang=ALL-UNNAMED}: the JDK has no public way
 * to give a virtual thread a scheduler, and this mode uses the non-public one the JDK keeps for its
 * tests. Where the JDK refuses (no such flag, or a JDK that dropped the hook), {@code configure}
 * logs one WARNING line saying why and the server runs as without this mode: ordinary virtual
 * threads, grpc's own event loops, still {@code directExecutor()}. {@link #handlersOnEventLoops}
 * tells which.
 *
 * <h2>How, and what it guarantees</h2>
 *
 * <ul>
 *   <li><b>No deadlock by construction.</b> Each loop's platform thread (its carrier) runs nothing
 *       but virtual-thread continuations: Netty's loop itself runs in a virtual thread on it, next
 *       to the handlers. No platform thread that carries handlers ever runs code that may block on
 *       a lock a handler can hold: when Netty's code blocks on a monitor (say the JDK's
 *       {@code Cleaner.add}), its virtual thread unmounts and the carrier runs the monitor's owner.
 *       The carrier's own hand-offs are lock-free.
 *   <li><b>Blocking handlers let the loop's other calls flow.</b> A handler that sleeps, waits for
 *       a lock, a latch or a monitor, calls another service, or does socket I/O unmounts like any
 *       virtual thread.
 *   <li><b>Computing or pinning handlers stall their loop for a bounded time.</b> A watchdog
 *       looks at each loop once per {@linkplain Options#withTimeSlice time slice} (10 ms by
 *       default). A handler that has had a slice of CPU in one run (between two blocking points)
 *       moves off the loop for the rest of its call, onto the JDK's default scheduler. A carrier
 *       stuck in one run while the loop's other work waits gets replaced by a new carrier, and
 *       exits when that run ends: after two ticks for a computing handler, five for one pinned
 *       and waiting (below a native frame, as in a class loader that {@code Class.forName}
 *       calls), 25 for one pinned in native code that uses no CPU (file I/O). The loop's other
 *       calls so wait about 2, 5 or 25 slices, plus the OS's delays. On a machine whose CPUs are
 *       all busy a computing handler is caught once it has had a slice of CPU, not of wall time,
 *       so that a carrier the OS merely preempted is left alone.
 *   <li><b>Threads a handler starts do not land on the loop.</b> A virtual thread started by a
 *       handler's thread inherits its scheduler; this mode hands those threads (and theirs) to the
 *       JDK's default scheduler.
 *   <li><b>Handlers outlive their loop.</b> Once a loop has ended ({@link #close}, even too early),
 *       its handler threads go on as ordinary virtual threads: none is stranded.
 * </ul>
 *
 * <p>Limits: a handler stays on the loop it was born on (no spilling to idle loops), so one busy
 * connection loads one core; a handler moved off does not come back; each carrier replacement
 * costs a platform thread until the stuck run ends.
 */
public final class EventLoopHandlers implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(EventLoopHandlers.class.getName());

  private static final String HANDLER_NAME = "grpc-loop-handler";

  private static final ThreadFactory ORDINARY = Thread.ofVirtual().name(HANDLER_NAME).factory();

  /** Null in the fall-back mode. */
  private final Loops loops;
  private final ThreadFactory threads;
  /** close() was called: a second call does nothing. */
  private final AtomicBoolean closed = new AtomicBoolean();

  private EventLoopHandlers(Loops loops) {
    this.loops = loops;
    this.threads = loops == null ? ORDINARY : this::newThread;
  }

  /** Configures {@code builder} for handlers on its event loops, with the default options. */
  public static EventLoopHandlers configure(NettyServerBuilder builder) {
    return configure(builder, Options.DEFAULT);
  }

  /** Configures {@code builder} for handlers on its event loops. */
  public static EventLoopHandlers configure(NettyServerBuilder builder, Options options) {
    return configure(builder, options, VirtualThreadHooks::get);
  }

  /** As above, with the JDK hooks from {@code hooks}: tests make them fail. */
  static EventLoopHandlers configure(
      NettyServerBuilder builder, Options options, Callable<VirtualThreadHooks> hooks) {
    builder.directExecutor();
    VirtualThreadHooks found;
    try {
      found = hooks.call();
    } catch (Exception e) {
      logger.log(Level.WARNING, "grpc-loop: handler threads stay off the event loops (ordinary"
          + " virtual threads): the JDK refused a virtual-thread scheduler (" + e
          + "); run the JVM with --add-opens java.base/java.lang=ALL-UNNAMED");
      return new EventLoopHandlers(null);
    }
    Loops loops = Loops.start(found, options.loops, options.timeSlice);
    Class<? extends ServerChannel> channel =
        loops.epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    // One group accepts and serves: the only platform threads in the transport are carriers.
    builder.bossEventLoopGroup(loops.netty).workerEventLoopGroup(loops.netty).channelType(channel);
    return new EventLoopHandlers(loops);
  }

  /**
   * The JVM flags this mode needs that this JVM was started without, as written on the {@code
   * java} command line: {@code --add-opens java.base/java.lang=ALL-UNNAMED} (or the module of
   * this class, if it is in a named one), or none. With none missing {@link #configure} can still
   * fall back, on a JDK that dropped the hooks. Any thread; does not block.
   */
  public static List<String> missingJvmFlags() {
    Module self = EventLoopHandlers.class.getModule();
    if (Thread.class.getModule().isOpen("java.lang", self)) {
      return List.of();
    }
    return List.of("--add-opens java.base/java.lang="
        + (self.isNamed() ? self.getName() : "ALL-UNNAMED"));
  }

  /**
   * The thread factory for the adapter's bindings: on one of this server's event loops, a virtual
   * thread scheduled on that loop; elsewhere (or in the fall-back mode) an ordinary virtual thread.
   */
  public ThreadFactory threads() {
    return threads;
  }

  /**
   * The adapter's binding options that run each handler on the event loop serving its call: the
   * default options with {@link #threads}.
   */
  public BlockingServerCalls.Options options() {
    return BlockingServerCalls.Options.DEFAULT.withThreads(threads);
  }

  /** Whether handlers run on the event loops: false if the JDK refused and this fell back. */
  public boolean handlersOnEventLoops() {
    return loops != null;
  }

  private Thread newThread(Runnable task) {
    Loop loop = Loop.current();
    if (loop == null || loop.group() != loops.group || loop.isClosed()) {
      return ORDINARY.newThread(task);
    }
    return loop.newHandlerThread(HANDLER_NAME, task);
  }

  /**
   * Ends the event loops, after the server has terminated ({@code server.shutdown()} or {@code
   * shutdownNow()}, then {@code awaitTermination()}). Closing earlier closes the server's
   * connections, and grpc can then not complete its own shutdown ({@code awaitTermination} times
   * out: its transports' close listeners would have to run on the loops); the handlers still run
   * on as ordinary virtual threads, none is stranded. Waits up to ten seconds for the loops to
   * end and ten more for each carrier to exit. Calling it again does nothing; call it from outside
   * the loops.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && loops != null) {
      loops.close();
    }
  }

  /** Handlers the watchdog moved off their loop so far (computing, or stuck on a carrier). */
  long handlersMovedOff() {
    return loops == null ? 0 : loops.group.handlersMovedOff.sum();
  }

  /** Carriers the watchdog replaced so far. */
  long carriersReplaced() {
    return loops == null ? 0 : loops.group.carriersReplaced.sum();
  }

  /** The options of this mode. Immutable. */
  public static final class Options {
    /** As many loops as processors, a 10 ms time slice. */
    public static final Options DEFAULT =
        new Options(Runtime.getRuntime().availableProcessors(), Duration.ofMillis(10));

    private final int loops;
    private final Duration timeSlice;

    private Options(int loops, Duration timeSlice) {
      this.loops = loops;
      this.timeSlice = timeSlice;
    }

    /** These options with {@code loops} event loops (each one platform thread). */
    public Options withLoops(int loops) {
      if (loops < 1) {
        throw new IllegalArgumentException("loops must be at least 1: " + loops);
      }
      return new Options(loops, timeSlice);
    }

    /**
     * These options with another time slice: the watchdog's tick. A handler that has had this
     * much CPU between two blocking points moves off its loop; a loop whose carrier is stuck in
     * one run gets a new carrier after 2, 5 or 25 ticks (computing, pinned and waiting, pinned in
     * native code).
     */
    public Options withTimeSlice(Duration timeSlice) {
      return new Options(loops, Loops.checkTimeSlice(timeSlice));
    }

    public int loops() {
      return loops;
    }

    public Duration timeSlice() {
      return timeSlice;
    }
  }
}
