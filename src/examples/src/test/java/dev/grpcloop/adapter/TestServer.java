package dev.grpcloop.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.eventloop.EventLoopHandlers;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * A server and a channel to it for one test, over real Netty on a loopback ephemeral port or
 * in-process, or over Netty in the event-loop mode ({@link EventLoopHandlers}), plus the waiting
 * helpers the tests share. The server runs grpc's callbacks on the transport thread ({@code
 * directExecutor}), the configuration the project recommends.
 *
 * <p>Handler threads: the tests' thread factories ({@link HandlerThreads}, {@link Bind}) make
 * them with {@link #newHandlerThread}, which asks the server whose call is starting for its base
 * factory: in the event-loop mode the mode's own, so that each handler runs on the loop that
 * serves its call; otherwise an ordinary virtual thread. The services are bound before the server
 * exists, so the server tells the factory while grpc starts each call (the adapter makes the
 * handler's thread inside grpc's {@code startCall}): an interceptor of its own, innermost, holds
 * the base factory in a thread-local for the length of {@code startCall}.
 */
final class TestServer implements AutoCloseable {

  /** The transports every parameterized test runs over. */
  enum Transport {
    NETTY,
    IN_PROCESS,
    /** Netty with the handlers on its event loops: {@link EventLoopHandlers}. */
    NETTY_EVENT_LOOP
  }

  /** The base factory of the server whose call is starting on this thread, if it has one. */
  private static final ThreadLocal<ThreadFactory> STARTING = new ThreadLocal<>();

  private static final ThreadFactory VIRTUAL = Thread.ofVirtual().factory();

  /**
   * A handler thread, not started, from the base factory of the server whose call grpc is
   * starting on this thread, or an ordinary virtual thread.
   */
  static Thread newHandlerThread(Runnable task) {
    ThreadFactory base = STARTING.get();
    return (base != null ? base : VIRTUAL).newThread(task);
  }

  /** How long any positive wait in a test may take before it counts as a hang. */
  static final Duration PATIENCE = Duration.ofSeconds(20);

  /** How long a negative wait ("this does not happen") watches. */
  static final Duration QUIET = Duration.ofMillis(300);

  private final Server server;
  private final ManagedChannel channel;

  /** The event-loop mode's loops, or null. */
  private final EventLoopHandlers loops;

  private TestServer(Server server, ManagedChannel channel, EventLoopHandlers loops) {
    this.server = server;
    this.channel = channel;
    this.loops = loops;
    // Connect now, so that no test's deadline pays for the connection (or a first-use warm-up).
    awaitUntil("the channel is ready", () -> channel.getState(true) == ConnectivityState.READY);
  }

  /** Starts {@code service} behind {@code interceptors} (the last one sees a call first). */
  static TestServer start(
      Transport transport, ServerServiceDefinition service, ServerInterceptor... interceptors)
      throws IOException {
    ServerServiceDefinition intercepted = ServerInterceptors.intercept(service, interceptors);
    switch (transport) {
      case NETTY: {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Server server = NettyServerBuilder.forAddress(any, InsecureServerCredentials.create())
            .directExecutor()
            .addService(intercepted)
            .build()
            .start();
        InetSocketAddress bound =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
        return new TestServer(server,
            NettyChannelBuilder.forAddress(bound, InsecureChannelCredentials.create()).build(),
            null);
      }
      case NETTY_EVENT_LOOP: {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(any,
            InsecureServerCredentials.create());
        EventLoopHandlers loops = EventLoopHandlers.configure(builder,
            EventLoopHandlers.Options.DEFAULT.withLoops(2));
        if (!loops.handlersOnEventLoops()) {
          loops.close();
          throw new AssertionError("the event-loop mode fell back (see its WARNING): "
              + "run the tests with --add-opens java.base/java.lang=ALL-UNNAMED");
        }
        Server server;
        try {
          server = builder
              .addService(ServerInterceptors.intercept(intercepted, baseThreads(loops.threads())))
              .build()
              .start();
        } catch (IOException | RuntimeException e) {
          loops.close();
          throw e;
        }
        InetSocketAddress bound =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
        return new TestServer(server,
            NettyChannelBuilder.forAddress(bound, InsecureChannelCredentials.create()).build(),
            loops);
      }
      case IN_PROCESS: {
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(intercepted)
            .build()
            .start();
        return new TestServer(server, InProcessChannelBuilder.forName(name).build(), null);
      }
      default:
        throw new AssertionError(transport);
    }
  }

  /**
   * The innermost interceptor of a server whose handlers come from {@code base}: grpc's startCall
   * of the binding, which makes the handler's thread, sees {@code base} through {@link
   * #newHandlerThread}.
   */
  private static ServerInterceptor baseThreads(ThreadFactory base) {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        ThreadFactory outer = STARTING.get();
        STARTING.set(base);
        try {
          return next.startCall(call, headers);
        } finally {
          STARTING.set(outer);
        }
      }
    };
  }

  ManagedChannel channel() {
    return channel;
  }

  /** Stops the channel and the server at once, cancelling any call still running. */
  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the test server", e);
    } finally {
      if (loops != null) {
        loops.close(); // after the server: its handlers go on, if any is left, off the loops
      }
    }
  }

  /** The value of {@code future}, waiting for it for at most {@link #PATIENCE}. */
  static <T> T await(Future<T> future) throws Exception {
    return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits until {@code condition} holds, polling, for at most {@link #PATIENCE}.
   *
   * @throws AssertionError naming {@code what} if it does not hold in time
   */
  static void awaitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
    }
  }

  /**
   * Whether {@code thread} is parked in one of the call's waits inside the adapter method named
   * {@code operation} (for example "send" or "recv"): blocked there, not merely passing by.
   */
  static boolean isWaitingIn(Thread thread, String operation) {
    return CallWaits.parkedInTheCall(thread, Thread.State.WAITING)
        && Arrays.stream(thread.getStackTrace()).anyMatch(frame ->
            frame.getClassName().startsWith("dev.grpcloop.adapter.Blocking")
                && frame.getMethodName().equals(operation));
  }

  /** Waits until {@code thread} is parked inside the adapter's {@code operation}; see above. */
  static void awaitWaitingIn(Thread thread, String operation) {
    awaitUntil(thread.getName() + " waits inside " + operation,
        () -> isWaitingIn(thread, operation));
  }

  /**
   * Waits until {@code thread} is stuck inside the adapter's {@code operation}: waiting there, and
   * still waiting there with {@code progress} unchanged after {@link #QUIET}. A transport can make
   * a writer wait for a moment (a Netty stream not yet allocated, a buffer being flushed); this
   * tells that apart from the backpressure a test is about.
   */
  static void awaitStuckIn(Thread thread, String operation, IntSupplier progress)
      throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    for (;;) {
      awaitWaitingIn(thread, operation);
      int before = progress.getAsInt();
      thread.join(QUIET); // a bounded negative wait: the thread should neither end nor move on
      if (isWaitingIn(thread, operation) && progress.getAsInt() == before) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(thread.getName() + " never stayed inside " + operation);
      }
    }
  }

  /**
   * A ThreadFactory for handlers that makes virtual threads, like the adapter's default (through
   * {@link #newHandlerThread}: on the event loop in that mode), and keeps every thread it made, so
   * that a test can find a handler's thread and prove that it ended.
   */
  static final class HandlerThreads implements ThreadFactory {
    private final List<Thread> made = new CopyOnWriteArrayList<>();
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = newHandlerThread(task);
      thread.setName("test-handler-" + count.getAndIncrement());
      made.add(thread);
      return thread;
    }

    /** Binding options that run each handler on a thread from this factory. */
    BlockingServerCalls.Options options() {
      return BlockingServerCalls.Options.DEFAULT.withThreads(this);
    }

    /** The {@code index}-th thread made (0 is the first), waiting for it to be made. */
    Thread awaitThread(int index) {
      awaitUntil("handler thread " + index + " is made", () -> made.size() > index);
      return made.get(index);
    }

    /** The only thread made so far, waiting for the first; fails if there are more. */
    Thread awaitOnly() {
      Thread first = awaitThread(0);
      assertThat(made).as("handler threads").hasSize(1);
      return first;
    }

    /** Joins every thread made, each for at most {@link #PATIENCE}, and asserts that all ended. */
    void assertAllEnded() throws InterruptedException {
      assertThat(made).as("handler threads made").isNotEmpty();
      assertNoneAlive();
    }

    /**
     * As {@link #assertAllEnded}, for a call the server may never have started: one the client
     * cancels before its headers left may make no handler at all, and a unary or server-streaming
     * call that ended before its request was complete made one that never started.
     */
    void assertNoneAlive() throws InterruptedException {
      for (Thread thread : made) {
        if (thread.getState() == Thread.State.NEW) {
          continue; // never started: a virtual thread's join would throw
        }
        thread.join(PATIENCE);
        assertThat(thread.isAlive()).as("%s is still alive", thread).isFalse();
      }
    }
  }

  /**
   * Counts the messages grpc delivers to the server call's listener, that is, the messages the
   * adapter has asked the transport for and received, whether or not the handler took them yet.
   */
  static final class DeliveryCounter implements ServerInterceptor {
    private final AtomicInteger delivered = new AtomicInteger();

    /** Told the new count after each delivery, on grpc's callback thread. */
    private final IntConsumer afterEach;

    DeliveryCounter() {
      this(count -> { });
    }

    DeliveryCounter(IntConsumer afterEach) {
      this.afterEach = afterEach;
    }

    int delivered() {
      return delivered.get();
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onMessage(ReqT message) {
          afterEach.accept(delivered.incrementAndGet());
          super.onMessage(message);
        }
      };
    }
  }
}
