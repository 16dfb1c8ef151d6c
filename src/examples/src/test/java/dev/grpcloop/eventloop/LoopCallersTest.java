package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.LogCapture;
import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client side of the mode ({@link EventLoopCallers}): caller threads run on the carrier of the
 * loop that serves their channel, and the server mode's guarantees hold for them. The server here
 * is an ordinary one (the adapter's default mode), so that the only loop carrier in the test is the
 * channel's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopCallersTest {

  private static final long PATIENCE_MS = LoopServer.PATIENCE.toMillis();

  private Server server;
  private EventLoopCallers callers;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
            BlockingServerCalls.bidiStreaming(
                EchoServiceGrpc.getEchoStreamMethod(), LoopCallersTest::serve)))
        .build()
        .start();
    connect(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext(),
        EventLoopCallers::configure);
  }

  private void connect(NettyChannelBuilder builder,
      Function<NettyChannelBuilder, EventLoopCallers> configure) {
    callers = configure.apply(builder);
    channel = builder.build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    assertThat(channel.awaitTermination(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
    callers.close();
    server.shutdownNow();
    assertThat(server.awaitTermination(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
    assertThat(LoopServer.liveLoopThreads()).isEmpty();
  }

  /**
   * The server: "count" counts the requests up to end-of-stream and answers with the number;
   * "silent" answers nothing; anything else starts an echo.
   */
  private static void serve(ServerStream<Message, Message> stream) throws Exception {
    Message first = stream.recv();
    if (first == null || first.getText().equals("silent")) {
      while (stream.recv() != null) {}
      return;
    }
    if (first.getText().equals("count")) {
      int count = 0;
      while (stream.recv() != null) {
        count++;
      }
      stream.send(LoopServer.message(Integer.toString(count)));
      return;
    }
    for (Message m = first; m != null; m = stream.recv()) {
      stream.send(m);
    }
  }

  /** Runs {@code body} on a new caller thread and returns its result. */
  private <T> T onCaller(Callable<T> body) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    callers.start(() -> {
      try {
        result.complete(body.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    return result.get(PATIENCE_MS, TimeUnit.MILLISECONDS);
  }

  private ClientStream<Message, Message> open() {
    return BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod());
  }

  /** Ping-pongs {@code count} messages; returns where the caller ran after each echo. */
  private Queue<String> pingPong(ClientStream<Message, Message> stream, int count)
      throws Exception {
    Queue<String> carriers = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < count; i++) {
      assertThat(LoopServer.ask(stream, "m" + i)).isEqualTo("m" + i);
      carriers.add(LoopServer.carrierName(Thread.currentThread()));
    }
    return carriers;
  }

  @Test
  void callerRunsOnTheCarrierOfItsChannelsLoop() throws Exception {
    assertThat(callers.callersOnEventLoop()).isTrue();
    Queue<String> carriers = onCaller(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        Queue<String> where = pingPong(stream, 100);
        stream.closeSend();
        assertThat(stream.recv()).isNull();
        return where;
      }
    });
    assertThat(carriers).hasSize(100).allSatisfy(c -> assertThat(c).isEqualTo(
        "grpc-loop-carrier-0"));
  }

  @Test
  void aHundredCallersShareTheLoop() throws Exception {
    List<CompletableFuture<Queue<String>>> results = new ArrayList<>();
    for (int c = 0; c < 100; c++) {
      CompletableFuture<Queue<String>> result = new CompletableFuture<>();
      results.add(result);
      callers.start(() -> {
        try (ClientStream<Message, Message> stream = open()) {
          result.complete(pingPong(stream, 20));
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
    }
    // In a fresh JVM the watchdog may find the carrier stuck in one run during this burst (seen:
    // pinned, most likely in class initialisation), replace it (grpc-loop-carrier-0.1, ...) and
    // move that run's caller off the loop. Every other caller stays on the loop's carriers.
    long offTheLoop = 0;
    for (CompletableFuture<Queue<String>> result : results) {
      Queue<String> carriers = result.get(PATIENCE_MS, TimeUnit.MILLISECONDS);
      assertThat(carriers).hasSize(20);
      if (!carriers.stream().allMatch(c -> c.startsWith("grpc-loop-carrier-0"))) {
        offTheLoop++;
      }
    }
    assertThat(offTheLoop).isLessThanOrEqualTo(callers.callersMovedOff());
  }

  @Test
  void aBlockedCallerLetsTheLoopsOtherCallsFlow() throws Exception {
    CountDownLatch released = new CountDownLatch(1);
    CompletableFuture<String> blocked = new CompletableFuture<>();
    callers.start(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        LoopServer.ask(stream, "before");
        // Only the other caller's 50 round trips, on the same loop, release this.
        boolean wasReleased = released.await(PATIENCE_MS, TimeUnit.MILLISECONDS);
        blocked.complete(wasReleased + " " + LoopServer.ask(stream, "after"));
      } catch (Throwable t) {
        blocked.completeExceptionally(t);
      }
    });
    onCaller(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        pingPong(stream, 50);
      }
      released.countDown();
      return null;
    });
    assertThat(blocked.get(PATIENCE_MS, TimeUnit.MILLISECONDS)).isEqualTo("true after");
  }

  @Test
  void aComputingCallerMovesOffAndTheLoopsOtherCallsFlow() throws Exception {
    CountDownLatch spinning = new CountDownLatch(1);
    CompletableFuture<Long> spun = new CompletableFuture<>();
    AtomicBoolean done = new AtomicBoolean();
    callers.start(() -> {
      spinning.countDown();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MS);
      long rounds = 0;
      // Spins, never blocking, until the other caller's calls went through.
      while (!done.get() && System.nanoTime() - deadline < 0) {
        rounds++;
      }
      spun.complete(rounds);
    });
    assertThat(spinning.await(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
    onCaller(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        pingPong(stream, 50);
      }
      return null;
    });
    done.set(true);
    assertThat(spun.get(PATIENCE_MS, TimeUnit.MILLISECONDS)).isPositive();
    assertThat(callers.callersMovedOff()).isEqualTo(1);
  }

  @Test
  void aCallerThatOnlySendsWaitsForTheTransportAndNeverHangs() throws Exception {
    // 4 MiB of requests: more than the flow-control windows, so send() waits for readiness.
    Message kilobyte = LoopServer.message("x".repeat(1024));
    String count = onCaller(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        assertThat(stream.send(LoopServer.message("count"))).isTrue();
        for (int i = 0; i < 4096; i++) {
          assertThat(stream.send(kilobyte)).isTrue();
        }
        return stream.closeAndRecv().getText();
      }
    });
    assertThat(count).isEqualTo("4096");
  }

  @Test
  void aDeadlineAndACancelEndTheCallersWaits() throws Exception {
    Status deadline = onCaller(() -> statusOfASilentCall(
        CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS)));
    assertThat(deadline.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

    CompletableFuture<ClientStream<Message, Message>> opened = new CompletableFuture<>();
    CompletableFuture<Status> cancelled = new CompletableFuture<>();
    callers.start(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        stream.send(LoopServer.message("silent"));
        opened.complete(stream);
        cancelled.complete(statusOf(stream::recv));
      } catch (Throwable t) {
        cancelled.completeExceptionally(t);
      }
    });
    opened.get(PATIENCE_MS, TimeUnit.MILLISECONDS).cancel("the test cancels", null);
    assertThat(cancelled.get(PATIENCE_MS, TimeUnit.MILLISECONDS).getCode())
        .isEqualTo(Status.Code.CANCELLED);
  }

  private static Status statusOf(Callable<Message> recv) throws Exception {
    try {
      Message m = recv.call();
      throw new AssertionError("recv returned " + m + " instead of failing");
    } catch (StatusException e) {
      return e.getStatus();
    }
  }

  @Test
  void threadsACallerStartsRunOffTheLoop() throws Exception {
    String child = onCaller(() -> {
      CompletableFuture<String> where = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> where.complete(
          LoopServer.carrierName(Thread.currentThread())));
      return where.get(PATIENCE_MS, TimeUnit.MILLISECONDS);
    });
    assertThat(child).startsWith("ForkJoinPool");
  }

  @Test
  void callersOutliveTheLoop() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    CompletableFuture<String> after = new CompletableFuture<>();
    CountDownLatch waiting = new CountDownLatch(1);
    callers.start(() -> {
      try {
        waiting.countDown();
        assertThat(closed.await(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
        after.complete(LoopServer.carrierName(Thread.currentThread()));
      } catch (Throwable t) {
        after.completeExceptionally(t);
      }
    });
    assertThat(waiting.await(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
    channel.shutdownNow();
    assertThat(channel.awaitTermination(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
    callers.close();
    closed.countDown();
    assertThat(after.get(PATIENCE_MS, TimeUnit.MILLISECONDS)).startsWith("ForkJoinPool");
    // A caller made after close is an ordinary virtual thread too.
    assertThat(onCaller(() -> LoopServer.carrierName(Thread.currentThread())))
        .startsWith("ForkJoinPool");
  }

  /**
   * Closing the callers before the channel is the wrong order, but it must not make a call wait
   * for ever: with the loop gone, a call started afterwards fails as if the server could not be
   * reached, its deadline still fires, and the channel can still terminate.
   */
  @Test
  void aCallStartedAfterAnEarlyCloseFailsInsteadOfWaiting() throws Exception {
    assertThat(onCaller(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        return LoopServer.ask(stream, "connected");
      }
    })).isEqualTo("connected");
    callers.close();

    // The channel can no longer connect: a call fails as when the server cannot be reached,
    // with the reason as the cause; one that waits for the channel to be ready waits until its
    // deadline, which still fires. The channel still terminates: stop() checks it.
    Status failFast = onCaller(() -> statusOfASilentCall(CallOptions.DEFAULT));
    assertThat(failFast.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failFast.getCause()).hasMessageContaining("the event loops were closed before");
    Status waitForReady = onCaller(() -> statusOfASilentCall(CallOptions.DEFAULT.withWaitForReady()
        .withDeadlineAfter(200, TimeUnit.MILLISECONDS)));
    assertThat(waitForReady.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  /**
   * Calls on the channel's connection when an early close runs, from several threads: each ends
   * with UNAVAILABLE, none throws, none waits. (Calls that start while close runs may be lost:
   * see {@link EventLoopCallers#close}.)
   */
  @Test
  void callsOnAConnectionWhenAnEarlyCloseRunsEndUnavailable() throws Exception {
    CountDownLatch answered = new CountDownLatch(6);
    List<CompletableFuture<Status>> statuses = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      CompletableFuture<Status> status = new CompletableFuture<>();
      statuses.add(status);
      Thread.ofVirtual().start(() -> {
        try (ClientStream<Message, Message> stream = open()) {
          assertThat(LoopServer.ask(stream, "on the connection")).isEqualTo("on the connection");
          answered.countDown();
          status.complete(statusOf(stream::recv));
        } catch (Throwable e) {
          status.completeExceptionally(e);
        }
      });
    }
    assertThat(answered.await(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
    callers.close();
    for (CompletableFuture<Status> status : statuses) {
      assertThat(status.get(PATIENCE_MS, TimeUnit.MILLISECONDS).getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  /**
   * Starts a call, sends what the server never answers, and returns the status the call ends
   * with; fails if it answers, or if the call throws instead of ending.
   */
  private Status statusOfASilentCall(CallOptions options) throws Exception {
    try (ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(channel,
        EchoServiceGrpc.getEchoStreamMethod(), options, new Metadata())) {
      stream.send(LoopServer.message("silent"));
      return statusOf(stream::recv);
    }
  }

  @Test
  void refusedHookLogsOneLineAndCallersAreOrdinaryVirtualThreads() throws Exception {
    channel.shutdownNow();
    assertThat(channel.awaitTermination(PATIENCE_MS, TimeUnit.MILLISECONDS)).isTrue();
    callers.close();
    List<LogRecord> records;
    try (LogCapture log = new LogCapture(EventLoopCallers.class.getName())) {
      connect(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext(),
          b -> EventLoopCallers.configure(b, Duration.ofMillis(10), () -> {
            throw new UnsupportedOperationException("no custom schedulers in this test");
          }));
      records = log.records();
    }
    assertThat(callers.callersOnEventLoop()).isFalse();
    Queue<String> carriers = onCaller(() -> {
      try (ClientStream<Message, Message> stream = open()) {
        return pingPong(stream, 10);
      }
    });
    assertThat(carriers).allSatisfy(c -> assertThat(c).startsWith("ForkJoinPool"));
    assertThat(records).singleElement().satisfies(r -> {
      assertThat(r.getLevel()).isEqualTo(Level.WARNING);
      assertThat(r.getMessage())
          .startsWith("grpc-loop: caller threads stay off the event loop")
          .contains("no custom schedulers in this test")
          .contains("--add-opens java.base/java.lang=ALL-UNNAMED");
    });
  }

  @Test
  void aTimeSliceUnderOneMillisecondIsRefused() {
    assertThatThrownBy(() -> EventLoopCallers.configure(
        NettyChannelBuilder.forTarget("localhost:1"), Duration.ofNanos(999_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 ms");
  }
}
