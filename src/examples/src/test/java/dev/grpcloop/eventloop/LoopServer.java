package dev.grpcloop.eventloop;

import dev.grpcloop.TestThreads;
import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A server in the event-loop mode for one test, serving one bidi method (echo.EchoService's
 * EchoStream) with the test's handler; the channels it opens are one connection each. The one
 * place where these tests bind a handler with the adapter.
 */
final class LoopServer implements AutoCloseable {

  /** How long any positive wait may take before it counts as a hang. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  final Server server;
  final EventLoopHandlers loops;
  private final Queue<Thread> handlerThreads = new ConcurrentLinkedQueue<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  private LoopServer(Function<NettyServerBuilder, EventLoopHandlers> configure,
      BlockingServerCalls.BidiStreamingHandler<Message, Message> handler, ServerInterceptor... interceptors)
      throws IOException {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    loops = configure.apply(builder);
    ThreadFactory threads = loops.threads();
    ThreadFactory recording = task -> {
      Thread thread = threads.newThread(task);
      handlerThreads.add(thread);
      return thread;
    };
    builder.addService(ServerInterceptors.intercept(
        BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
            BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), handler,
                BlockingServerCalls.Options.DEFAULT.withThreads(recording))),
        interceptors));
    server = builder.build().start();
  }

  /** A server with {@code loops} event loops and the default time slice. */
  static LoopServer start(int loops, BlockingServerCalls.BidiStreamingHandler<Message, Message> handler)
      throws IOException {
    return start(EventLoopHandlers.Options.DEFAULT.withLoops(loops), handler);
  }

  static LoopServer start(EventLoopHandlers.Options options,
      BlockingServerCalls.BidiStreamingHandler<Message, Message> handler) throws IOException {
    return new LoopServer(b -> EventLoopHandlers.configure(b, options), handler);
  }

  /** A server whose calls also pass through {@code interceptors}, which run on the loops. */
  static LoopServer start(int loops, BlockingServerCalls.BidiStreamingHandler<Message, Message> handler,
      ServerInterceptor... interceptors) throws IOException {
    return new LoopServer(
        b -> EventLoopHandlers.configure(b, EventLoopHandlers.Options.DEFAULT.withLoops(loops)),
        handler, interceptors);
  }

  /** A server configured by {@code configure}, for the fall-back tests. */
  static LoopServer start(Function<NettyServerBuilder, EventLoopHandlers> configure,
      BlockingServerCalls.BidiStreamingHandler<Message, Message> handler) throws IOException {
    return new LoopServer(configure, handler);
  }

  /** A new connection to the server, ready. */
  ManagedChannel connect() {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .usePlaintext()
        .build();
    synchronized (channels) {
      channels.add(channel);
    }
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    ConnectivityState state;
    while ((state = channel.getState(true)) != ConnectivityState.READY) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the channel did not connect: " + state);
      }
      Object done = new Object();
      channel.notifyWhenStateChanged(state, () -> {
        synchronized (done) {
          done.notifyAll();
        }
      });
      synchronized (done) {
        if (channel.getState(false) == state) {
          try {
            done.wait(1000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
          }
        }
      }
    }
    return channel;
  }

  /** Opens an echo stream on {@code channel}. */
  static ClientStream<Message, Message> open(ManagedChannel channel) {
    return BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod());
  }

  static Message message(String text) {
    return Message.newBuilder().setText(text).build();
  }

  /** Sends {@code text}, returns the first reply (and leaves the stream open). */
  static String ask(ClientStream<Message, Message> stream, String text) throws Exception {
    if (!stream.send(message(text))) {
      throw new AssertionError("the call was over before " + text);
    }
    Message reply = stream.recv();
    return reply == null ? null : reply.getText();
  }

  /** Every handler thread made so far. */
  List<Thread> handlerThreads() {
    return List.copyOf(handlerThreads);
  }

  /** Waits for every handler thread made so far to end; returns those still alive. */
  List<Thread> awaitHandlersEnded(Duration timeout) throws InterruptedException {
    return TestThreads.joinAll(handlerThreads, timeout);
  }

  /** Whether the calling virtual thread is mounted on one of this mode's carriers. */
  static boolean onLoopCarrier() {
    return carrierName(Thread.currentThread()).startsWith("grpc-loop-carrier-");
  }

  /**
   * The name of the platform thread that carries {@code thread} now, from its toString ({@code
   * VirtualThread[#22,name]/runnable@carrier}); empty if it is not mounted.
   */
  static String carrierName(Thread thread) {
    String s = thread.toString();
    int at = s.lastIndexOf('@');
    return at < 0 ? "" : s.substring(at + 1);
  }

  /** Whether a platform thread of this mode (a carrier or the watchdog) is alive. */
  static List<Thread> liveLoopThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("grpc-loop-carrier-")
            || t.getName().equals("grpc-loop-watchdog"))
        .filter(Thread::isAlive)
        .toList();
  }

  /**
   * Stops a server whose loops were closed first: grpc can then no longer complete its own
   * shutdown (its transports' close listeners would run on the loops), so this does not wait.
   */
  void abandon() {
    synchronized (channels) {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
    }
    server.shutdownNow();
    loops.close();
  }

  /** Stops the server (cancelling calls still running) and then the loops. */
  @Override
  public void close() {
    synchronized (channels) {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
    }
    server.shutdownNow();
    try {
      server.awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      loops.close();
      synchronized (channels) {
        for (ManagedChannel channel : channels) {
          channel.awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      loops.close();
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while stopping the server", e);
    }
  }
}
