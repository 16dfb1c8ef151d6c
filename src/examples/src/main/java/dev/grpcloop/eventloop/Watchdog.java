package dev.grpcloop.eventloop;

import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One daemon platform thread per group that looks at every loop once per time slice ({@link
 * Loop#watch}). It only reads volatile fields, CASes, and starts threads: it takes no lock a handler
 * could hold, and it is no carrier, so even a delay here cannot deadlock a loop.
 */
final class Watchdog implements Runnable {
  private static final Logger logger = Logger.getLogger(EventLoopHandlers.class.getName());

  private final GroupState group;
  private final Thread thread;
  private volatile boolean stopped;

  Watchdog(GroupState group) {
    this.group = group;
    this.thread = Thread.ofPlatform().name("grpc-loop-watchdog").daemon().unstarted(this);
  }

  void start() {
    thread.start();
  }

  void stop() throws InterruptedException {
    stopped = true;
    LockSupport.unpark(thread);
    thread.join();
  }

  @Override
  public void run() {
    while (!stopped) {
      LockSupport.parkNanos(this, group.sliceNanos);
      long now = System.nanoTime();
      for (Loop loop : group.loops) {
        try {
          loop.watch(now);
        } catch (RuntimeException | OutOfMemoryError e) {
          // e.g. no new thread could be started: try again at the next tick.
          logger.log(Level.WARNING, "grpc-loop: the watchdog could not help event loop "
              + loop.index, e);
        }
      }
    }
  }
}
