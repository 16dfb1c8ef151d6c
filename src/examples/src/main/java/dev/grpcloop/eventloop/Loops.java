package dev.grpcloop.eventloop;

import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A started group of {@link Loop}s with its {@link Watchdog}: what each mode owns, the server's
 * ({@link EventLoopHandlers}) and the client's ({@link EventLoopCallers}), and closes once.
 */
final class Loops {
  private static final Logger logger = Logger.getLogger(EventLoopHandlers.class.getName());

  /** Netty's view of the loops: the event loop group given to the server or channel builder. */
  final LoopGroup netty;
  final GroupState group;
  /** Whether the loops are epoll's (else NIO's): the channel types must match. */
  final boolean epoll;
  private final Watchdog watchdog;

  private Loops(LoopGroup netty, GroupState group, boolean epoll, Watchdog watchdog) {
    this.netty = netty;
    this.group = group;
    this.epoll = epoll;
    this.watchdog = watchdog;
  }

  /** Starts {@code count} loops and their watchdog; each loop starts its carrier. */
  static Loops start(VirtualThreadHooks hooks, int count, Duration timeSlice) {
    GroupState group = new GroupState(hooks, timeSlice.toNanos());
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    LoopGroup netty = new LoopGroup(count, factory, group);
    Watchdog watchdog = new Watchdog(group);
    watchdog.start();
    return new Loops(netty, group, epoll, watchdog);
  }

  /** Validates a time slice: the watchdog's tick. */
  static Duration checkTimeSlice(Duration timeSlice) {
    if (timeSlice.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("the time slice must be at least 1 ms: " + timeSlice);
    }
    return timeSlice;
  }

  /**
   * Ends the loops, waits up to ten seconds for their carriers to exit, and stops the watchdog.
   * Work given to the group from the start of close on is refused ({@link
   * LoopGroup#refuseNewWork}). Threads still born on the loops run on as ordinary virtual threads.
   * Call it once, from outside the loops.
   */
  void close() {
    boolean interrupted = false;
    try {
      netty.refuseNewWork();
      netty.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
      for (Loop loop : group.loops) {
        if (!loop.awaitCarrierExit(10_000)) {
          logger.warning("grpc-loop: the carrier of event loop " + loop.index
              + " did not exit within 10 s of close");
        }
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      try {
        watchdog.stop();
      } catch (InterruptedException e) {
        interrupted = true;
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
