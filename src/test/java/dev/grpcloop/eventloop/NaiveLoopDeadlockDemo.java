package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A demonstration, not a check of this project's code: the naive form of the mode deadlocks. Each
 * handler's virtual thread gets its Netty event loop as scheduler ({@code loop::execute}) while the
 * loop stays an ordinary platform thread that runs Netty and grpc code itself. Under {@link
 * EchoStress} a loop thread ends up BLOCKED on a monitor (the JDK's {@code Cleaner}, taken for
 * every unpooled direct buffer) that the JDK has handed to a handler virtual thread whose only
 * carrier is that very loop thread. The test passes when it sees that: a stall with a loop thread
 * BLOCKED. It leaves the stuck loop threads behind (daemons): run it on its own, e.g.
 * {@code ./mvnw test -Dtest=NaiveLoopDeadlockDemo -Dgroups=long -DexcludedGroups=
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("long")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class NaiveLoopDeadlockDemo {

  @Test
  void naiveLoopSchedulingDeadlocks() throws Exception {
    VirtualThreadHooks hooks = VirtualThreadHooks.get();
    MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(
        4, new DefaultThreadFactory("naive-loop", true), EpollIoHandler.newFactory());
    ThreadFactory naive = task -> {
      for (EventExecutor loop : group) {
        if (loop.inEventLoop()) {
          return hooks.newThread(loop, "naive-handler", task); // scheduler = loop.execute
        }
      }
      return Thread.ofVirtual().unstarted(task);
    };
    Server server = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .bossEventLoopGroup(group)
        .workerEventLoopGroup(group)
        .channelType(EpollServerSocketChannel.class)
        .directExecutor()
        .addService(ServerServiceDefinition.builder(EchoServiceGrpc.getServiceDescriptor())
            .addMethod(EchoServiceGrpc.getEchoStreamMethod(),
                BlockingServerCalls.bidiStreaming(EchoStress::echo, naive))
            .build())
        .build()
        .start();
    long minutes = Long.getLong("stress.minutes", 10);
    EchoStress.Result result = new EchoStress(server.getPort(), 4, 100)
        .run(Duration.ofMinutes(minutes), Duration.ofSeconds(10),
            t -> t.getName().startsWith("naive-loop"));
    System.out.println("naive form: " + (result.stalled() ? result.stall()
        : "no stall in " + minutes + " min, " + result.echoes() + " echoes"));
    assertThat(result.stall())
        .as("the naive form ran " + minutes + " min without a deadlock (it is a race: run again)")
        .isNotNull()
        .contains("BLOCKED");
    if (!result.stalled()) {
      server.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
