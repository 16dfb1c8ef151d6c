package dev.grpcloop.eventloop;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client side of the event-loop mode (opt-in): the threads that call a channel's methods run
 * on the one event loop that serves the channel's connections, so that a blocking client's round
 * trip costs no hand-off between OS threads. The loop wakes the caller waiting in {@code recv()}
 * (the adapter's client calls run grpc's callbacks on that thread), and the caller's next
 * {@code send()} reaches the loop on the same carrier. Enabled by one call when the channel is
 * built:
 *
 * <pre>{@code
 * NettyChannelBuilder builder = NettyChannelBuilder.forTarget("localhost:50051").usePlaintext();
 * EventLoopCallers callers = EventLoopCallers.configure(builder);
 * ManagedChannel channel = builder.build();
 * Thread caller = callers.start(() -> {
 *   try (ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(channel, method)) {
 *     ... // send and recv, as anywhere
 *   }
 * });
 * ...
 * caller.join();
 * channel.shutdown();
 * channel.awaitTermination(10, TimeUnit.SECONDS);
 * callers.close();
 * }</pre>
 *
 * <p>{@link #configure} gives the builder one event loop and the matching channel type (epoll
 * where available, else NIO), replacing any set before; {@link #threads} makes the callers'
 * threads, virtual threads scheduled on that loop, from any thread. Only threads made so run
 * there: other threads may use the channel as ever, with a hand-off per message.
 *
 * <p>It is the server mode's design ({@link EventLoopHandlers}, which tells it in full), with the
 * same guarantees: Netty's loop runs in a virtual thread next to the callers, on a carrier that
 * runs nothing else, so no deadlock by construction; a caller that blocks (on anything) lets the
 * loop's other calls flow; one that computes for a time slice or pins its carrier is moved off the
 * loop or gets the carrier replaced; threads a caller starts run on the JDK's default scheduler;
 * callers outlive the loop (but the channel does not: close it first). The same flag, {@code
 * --add-opens java.base/java.lang=ALL-UNNAMED}; without it {@code configure} logs one WARNING line
 * and the callers are ordinary virtual threads on grpc's own event loops ({@link
 * #callersOnEventLoop} tells which).
 *
 * <p>Limits: one loop, so all of the channel's I/O and all its callers' work share one core; use
 * it for a channel whose callers wait more than they compute, and a channel of its own (with
 * callers of its own) for each core's worth of traffic.
 */
public final class EventLoopCallers implements AutoCloseable {
  private static final Logger logger = Logger.getLogger(EventLoopCallers.class.getName());

  private static final String CALLER_NAME = "grpc-loop-caller";

  private static final ThreadFactory ORDINARY = Thread.ofVirtual().name(CALLER_NAME).factory();

  /** The default time slice, as in the server mode's options. */
  private static final Duration TIME_SLICE = EventLoopHandlers.Options.DEFAULT.timeSlice();

  /** Null in the fall-back mode. */
  private final Loops loops;
  private final ThreadFactory threads;
  /** close() was called: a second call does nothing. */
  private final AtomicBoolean closed = new AtomicBoolean();

  private EventLoopCallers(Loops loops) {
    this.loops = loops;
    this.threads = loops == null ? ORDINARY : this::newThread;
  }

  /** Configures {@code builder} for callers on its event loop, with a 10 ms time slice. */
  public static EventLoopCallers configure(NettyChannelBuilder builder) {
    return configure(builder, TIME_SLICE);
  }

  /**
   * Configures {@code builder} for callers on its event loop, with the given time slice (the
   * watchdog's tick, at least 1 ms: see {@link EventLoopHandlers.Options#withTimeSlice}).
   */
  public static EventLoopCallers configure(NettyChannelBuilder builder, Duration timeSlice) {
    return configure(builder, timeSlice, VirtualThreadHooks::get);
  }

  /** As above, with the JDK hooks from {@code hooks}: tests make them fail. */
  static EventLoopCallers configure(
      NettyChannelBuilder builder, Duration timeSlice, Callable<VirtualThreadHooks> hooks) {
    Loops.checkTimeSlice(timeSlice);
    VirtualThreadHooks found;
    try {
      found = hooks.call();
    } catch (Exception e) {
      logger.log(Level.WARNING, "grpc-loop: caller threads stay off the event loop (ordinary"
          + " virtual threads): the JDK refused a virtual-thread scheduler (" + e
          + "); run the JVM with --add-opens java.base/java.lang=ALL-UNNAMED");
      return new EventLoopCallers(null);
    }
    Loops loops = Loops.start(found, 1, timeSlice);
    Class<? extends Channel> channel = loops.epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    builder.eventLoopGroup(loops.netty).channelType(channel);
    return new EventLoopCallers(loops);
  }

  /**
   * The callers' thread factory: a virtual thread scheduled on the channel's event loop (or, in
   * the fall-back mode, an ordinary virtual thread), not started. Any thread may call it.
   */
  public ThreadFactory threads() {
    return threads;
  }

  /** Starts {@code task} on a new caller thread ({@link #threads}) and returns the thread. */
  public Thread start(Runnable task) {
    Thread thread = threads.newThread(task);
    thread.start();
    return thread;
  }

  /** Whether callers run on the event loop: false if the JDK refused and this fell back. */
  public boolean callersOnEventLoop() {
    return loops != null;
  }

  private Thread newThread(Runnable task) {
    Loop loop = loops.group.loops.get(0);
    return loop.isClosed() ? ORDINARY.newThread(task) : loop.newHandlerThread(CALLER_NAME, task);
  }

  /**
   * Ends the event loop. Call it only after the channel has terminated ({@code channel.shutdown()}
   * or {@code shutdownNow()}, then {@code awaitTermination()}): the channel's connections, its
   * reconnects and its deadline timers all run on this loop. Closed earlier, the channel can no
   * longer connect: calls on a connection fail ({@code UNAVAILABLE}), and so do calls started
   * later, as when a server cannot be reached ({@code UNAVAILABLE}, the cause saying that the
   * loop was closed first; a wait-for-ready call waits for its deadline, which still fires); the
   * channel can still be shut down. A call that starts on an open connection while close runs
   * can be lost: Netty's loop, once it has ended, takes the call's work and never runs it, so the
   * call may wait for ever, past its deadline. Callers still running go on as ordinary virtual
   * threads.
   * Waits up to ten seconds for the loop to end and ten more for its carrier to exit. Calling it
   * again does nothing.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && loops != null) {
      loops.close();
    }
  }

  /** Callers the watchdog moved off the loop so far (computing, or stuck on a carrier). */
  long callersMovedOff() {
    return loops == null ? 0 : loops.group.handlersMovedOff.sum();
  }
}
