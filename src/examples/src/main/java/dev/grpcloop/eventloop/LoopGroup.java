package dev.grpcloop.eventloop;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.channel.DefaultChannelPromise;
import io.grpc.netty.shaded.io.netty.channel.IoEventLoop;
import io.grpc.netty.shaded.io.netty.channel.IoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoHandle;
import io.grpc.netty.shaded.io.netty.channel.IoHandler;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.IoRegistration;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.AbstractEventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import io.grpc.netty.shaded.io.netty.util.concurrent.GlobalEventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import io.grpc.netty.shaded.io.netty.util.concurrent.SucceededFuture;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Netty's event loop group of {@link Loop}s: each child is a loop's {@link Loop.LoopIo}.
 *
 * <p>Once {@link #refuseNewWork} has run, {@link #next} hands out a {@link RefusingLoop} instead,
 * so that work given to the group after close fails at once: a channel's new connection fails
 * ({@code UNAVAILABLE} for grpc), and its timers (deadlines, reconnect back-off) still fire. A
 * {@code ManualIoEventLoop} that has terminated takes a task and never runs it, so without this a
 * call started after an early close would wait for ever, its deadline never firing. Work given
 * to a loop itself (a channel's own loop, or one taken from {@code next()} just before close)
 * can still be lost that way, during close or after: close only after the channel or server has
 * terminated.
 */
final class LoopGroup extends MultiThreadIoEventLoopGroup {
  /** Set once, by close: from then on {@link #next} is {@link #refusing}. */
  private volatile boolean closed;

  private final IoEventLoop refusing = new RefusingLoop(this);

  LoopGroup(int loops, IoHandlerFactory factory, GroupState group) {
    // No executor: each loop starts its own carrier. Netty makes an idle default one, unused.
    super(loops, (Executor) null, factory, group);
  }

  @Override
  protected IoEventLoop newChild(Executor unused, IoHandlerFactory factory, Object... args) {
    // Called from the super constructor, before this object's own fields exist: hence args.
    GroupState group = (GroupState) args[0];
    Loop loop = new Loop(this, group.loops.size(), factory, group);
    group.loops.add(loop);
    return loop.io;
  }

  @Override
  public IoEventLoop next() {
    return closed ? refusing : super.next();
  }

  /** From now on, {@link #next} is a {@link RefusingLoop}. Call it before the loops end. */
  void refuseNewWork() {
    closed = true;
  }

  /**
   * The loop of a closed group. It registers no channel (the registration fails with an {@code
   * IOException} that says why, which grpc reads as {@code UNAVAILABLE}) and runs no task, but
   * runs timers, on Netty's global executor: grpc's deadlines and back-off still fire, and grpc
   * fails calls as it does when a server cannot be reached, instead of giving up on the channel.
   * A registration's promise notifies its listeners on the global executor too, since this loop
   * runs none itself.
   */
  private static final class RefusingLoop extends AbstractEventExecutor implements IoEventLoop {
    private static final String WHY = "grpc-loop: the event loops were closed before the channel"
        + " or server that uses them had terminated; close them after it";
    private static final GlobalEventExecutor TIMERS = GlobalEventExecutor.INSTANCE;

    private final Future<?> terminated = new SucceededFuture<>(TIMERS, null);

    RefusingLoop(LoopGroup parent) {
      super(parent);
    }

    @Override
    public void execute(Runnable task) {
      throw new RejectedExecutionException(WHY);
    }

    @Override
    public ChannelFuture register(Channel channel) {
      return register(new DefaultChannelPromise(channel, TIMERS));
    }

    /** Closes the channel and fails its registration, as a Netty loop that refuses it does. */
    @Override
    public ChannelFuture register(ChannelPromise promise) {
      promise.channel().unsafe().closeForcibly();
      return promise.setFailure(new IOException(WHY));
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
      return register(promise);
    }

    @Override
    public Future<IoRegistration> register(IoHandle handle) {
      return TIMERS.newFailedFuture(new IOException(WHY));
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return TIMERS.schedule(command, delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return TIMERS.schedule(callable, delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      return TIMERS.scheduleAtFixedRate(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return TIMERS.scheduleWithFixedDelay(command, initialDelay, delay, unit);
    }

    /** Any handle: a channel is refused by {@link #register}, for the reason it gives. */
    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
      return true;
    }

    @Override
    public boolean isIoType(Class<? extends IoHandler> handlerType) {
      return false;
    }

    @Override
    public IoEventLoop next() {
      return this;
    }

    @Override
    public IoEventLoopGroup parent() {
      return (IoEventLoopGroup) super.parent();
    }

    @Override
    public boolean inEventLoop(Thread thread) {
      return false;
    }

    @Override
    public boolean isShuttingDown() {
      return true;
    }

    @Override
    public boolean isShutdown() {
      return true;
    }

    @Override
    public boolean isTerminated() {
      return true;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
      return terminated;
    }

    @Override
    public Future<?> terminationFuture() {
      return terminated;
    }

    @Deprecated
    @Override
    public void shutdown() {}
  }
}
