package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
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
 * loop stays an ordinary platform thread that runs Netty and grpc code itself.
 *
 * <p>Tagged long because a deadlocked test leaves its loop thread and handler stuck for good (as
 * daemons): run it on its own, {@code ./mvnw test -Dtest=NaiveLoopDeadlockDemo -Dgroups=long
 * -DexcludedGroups= -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("long")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class NaiveLoopDeadlockDemo {

  /**
   * The steps of {@link MonitorHandOff}, in order: the loop's platform thread ends up BLOCKED on a
   * free monitor whose successor is a handler that only that thread can run. ({@link
   * LoopMonitorHandOffTest} plays the same steps in this project's mode.)
   */
  @Test
  void naiveFormDeadlocksWhenTheLoopWaitsForAMonitorTheJdkHandsToItsHandler() throws Exception {
    MonitorHandOff handOff = new MonitorHandOff();
    NaiveServer naive = new NaiveServer(1, handOff::handle, handOff.recorder);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", naive.server.getPort()).usePlaintext().build();
    boolean answered = handOff.play(channel, 10);
    Thread.State loop = handOff.loopThread.getState();
    Thread.State handler = handOff.handlerThread.getState();
    System.out.println("naive form, monitor hand-off: answered " + answered + "; loop thread "
        + handOff.loopThread.getName() + " " + loop + ", handler " + handler);
    assertThat(answered).as("both calls answered").isFalse();
    assertThat(handOff.loopThread.isVirtual()).isFalse();
    assertThat(loop).isEqualTo(Thread.State.BLOCKED);
    channel.shutdownNow(); // the loop and its handler stay stuck
  }

  /**
   * The same deadlock by chance, on the JDK's Cleaner monitor, under {@link EchoStress}: 100
   * streams over 4 connections. The handler only needs to be the monitor's successor while its
   * loop queues for it; how often that happens depends on the machine. On the 2-core machine this
   * was written on, 10 minutes and 19 million echoes passed without it: the test then reports
   * itself skipped, not passed.
   */
  @Test
  void naiveFormUnderTheCleanerStress() throws Exception {
    NaiveServer naive = new NaiveServer(4, EchoStress::echo);
    long minutes = Long.getLong("stress.minutes", 10);
    EchoStress.Result result = new EchoStress(naive.server.getPort(), 4, 100)
        .run(Duration.ofMinutes(minutes), Duration.ofSeconds(10),
            t -> t.getName().startsWith("naive-loop"));
    System.out.println("naive form, Cleaner stress: " + (result.stalled() ? result.stall()
        : "no stall in " + minutes + " min, " + result.echoes() + " echoes"));
    if (!result.stalled()) {
      naive.close();
      abort("no deadlock within " + minutes + " min: it is a race");
    }
    assertThat(result.stall()).contains("BLOCKED");
  }

  /** A server of the naive form: handler threads scheduled by their event loop's execute. */
  private static final class NaiveServer {
    final MultiThreadIoEventLoopGroup group;
    final Server server;

    NaiveServer(int loops, BlockingServerCalls.BidiStreamingHandler<Message, Message> handler,
        ServerInterceptor... interceptors) throws Exception {
      VirtualThreadHooks hooks = VirtualThreadHooks.get();
      group = new MultiThreadIoEventLoopGroup(
          loops, new DefaultThreadFactory("naive-loop", true), EpollIoHandler.newFactory());
      ThreadFactory naive = task -> {
        for (EventExecutor loop : group) {
          if (loop.inEventLoop()) {
            return hooks.newThread(loop, "naive-handler", task); // scheduler = loop.execute
          }
        }
        return Thread.ofVirtual().unstarted(task);
      };
      server = NettyServerBuilder
          .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .bossEventLoopGroup(group)
          .workerEventLoopGroup(group)
          .channelType(EpollServerSocketChannel.class)
          .directExecutor()
          .addService(ServerInterceptors.intercept(
              BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
                  BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), handler,
                      BlockingServerCalls.Options.DEFAULT.withThreads(naive))),
              interceptors))
          .build()
          .start();
    }

    void close() throws IOException, InterruptedException {
      server.shutdownNow();
      server.awaitTermination(30, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
