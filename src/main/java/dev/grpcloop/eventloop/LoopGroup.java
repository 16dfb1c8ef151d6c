package dev.grpcloop.eventloop;

import io.grpc.netty.shaded.io.netty.channel.IoEventLoop;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.concurrent.Executor;

/** Netty's event loop group of {@link Loop}s: each child is a loop's {@link Loop.LoopIo}. */
final class LoopGroup extends MultiThreadIoEventLoopGroup {

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
}
