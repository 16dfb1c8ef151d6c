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
import io.grpc.netty.shaded.io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import io.grpc.netty.shaded.io.netty.util.concurrent.GlobalEventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.SucceededFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Netty's event loop group of {@link Loop}s: each child is a loop's {@link Loop.LoopIo}.
 *
 * <p>Once {@link #refuseNewWork} has run, {@link #next} hands out a loop that refuses every task
 * instead: work given to the group after close (a channel's new connection, a deadline's timer)
 * then fails at once, as on Netty's own loops after their shutdown. A {@code ManualIoEventLoop}
 * that has terminated takes a task and never runs it, so without this a call started after an
 * early close would wait for ever, its deadline never firing.
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

  /** From now on, {@link #next} is a loop that refuses every task. Call it before the loops end. */
  void refuseNewWork() {
    closed = true;
  }

  /** A terminated loop: every task, timer and registration given to it fails, saying why. */
  private static final class RefusingLoop extends AbstractScheduledEventExecutor
      implements IoEventLoop {
    private final Future<?> terminated = new SucceededFuture<>(GlobalEventExecutor.INSTANCE, null);

    RefusingLoop(LoopGroup parent) {
      super(parent);
    }

    private static RejectedExecutionException refusal() {
      return new RejectedExecutionException("grpc-loop: the event loops were closed before the"
          + " channel or server that uses them had terminated; close them after it");
    }

    /** Refuses the task; timers come here too ({@code schedule} executes them from outside). */
    @Override
    public void execute(Runnable task) {
      throw refusal();
    }

    @Override
    public Future<IoRegistration> register(IoHandle handle) {
      return newFailedFuture(refusal());
    }

    /** As Netty's own loops register: the channel asks {@link #execute}, which refuses. */
    @Override
    public ChannelFuture register(Channel channel) {
      return register(new DefaultChannelPromise(channel, this));
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
      promise.channel().unsafe().register(this, promise);
      return promise;
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
      return register(promise);
    }

    /** Any handle: so that a new connection is refused for the right reason, by {@link #execute}. */
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
