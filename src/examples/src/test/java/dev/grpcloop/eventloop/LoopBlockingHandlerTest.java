package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A handler that blocks lets its loop's other calls flow: with one loop, so that every call shares
 * it, one handler blocks in each of the ways a handler blocks, while other calls on the same and on
 * a second connection make their round trips. The blocked handler then resumes, on the loop.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopBlockingHandlerTest {

  /** The ways a handler blocks here. */
  enum Block {
    LATCH, TIMED_LATCH, LOCK, MONITOR, MONITOR_WAIT, SOCKET_READ, GRPC_CALL
  }

  private final CountDownLatch release = new CountDownLatch(1);
  private final ReentrantLock lock = new ReentrantLock();
  private final Object monitor = new Object();
  private boolean released; // guarded by monitor
  private ServerSocketChannel socketServer;
  private Server otherServer;
  private ManagedChannel otherChannel;
  private LoopServer server;

  @BeforeEach
  void start() throws Exception {
    socketServer = ServerSocketChannel.open()
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    // An ordinary server (grpc's own event loops, virtual threads) whose handler waits for release.
    otherServer = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
            BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(),
                (ServerStream<Message, Message> s) -> {
                  Message m = s.recv();
                  release.await();
                  s.send(m);
                })))
        .build()
        .start();
    otherChannel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", otherServer.getPort(), InsecureChannelCredentials.create()).build();
    server = LoopServer.start(1, this::handle);
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.close();
    otherChannel.shutdownNow();
    otherServer.shutdownNow();
    otherServer.awaitTermination(30, TimeUnit.SECONDS);
    socketServer.close();
  }

  /** "echo" echoes; a Block's name blocks that way, then answers where it ran before and after. */
  private void handle(ServerStream<Message, Message> stream) throws Exception {
    Message first = stream.recv();
    if (first == null) {
      return;
    }
    if (first.getText().equals("echo")) {
      stream.send(first);
      EchoStress.echo(stream);
      return;
    }
    String before = LoopServer.carrierName(Thread.currentThread());
    block(Block.valueOf(first.getText()));
    String after = LoopServer.carrierName(Thread.currentThread());
    stream.send(LoopServer.message("done " + before + " " + after));
    stream.recv();
  }

  private void block(Block how) throws Exception {
    switch (how) {
      case LATCH -> release.await();
      case TIMED_LATCH -> release.await(60, TimeUnit.SECONDS);
      case LOCK -> {
        lock.lockInterruptibly();
        lock.unlock();
      }
      case MONITOR -> {
        synchronized (monitor) {
          monitor.notifyAll();
        }
      }
      case MONITOR_WAIT -> {
        synchronized (monitor) {
          while (!released) {
            monitor.wait();
          }
        }
      }
      case SOCKET_READ -> {
        try (SocketChannel socket = SocketChannel.open(socketServer.getLocalAddress())) {
          socket.read(ByteBuffer.allocate(1));
        }
      }
      case GRPC_CALL -> {
        try (ClientStream<Message, Message> call = LoopServer.open(otherChannel)) {
          call.send(LoopServer.message("ping"));
          call.recv();
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Block.class)
  void blockedHandlerLetsTheLoopsOtherCallsFlow(Block how) throws Exception {
    ManagedChannel first = server.connect();
    ManagedChannel second = server.connect();
    try (ClientStream<Message, Message> blocked = LoopServer.open(first)) {
      SocketChannel peer = null;
      if (how == Block.LOCK) {
        lock.lock();
      }
      try {
        synchronized (how == Block.MONITOR ? monitor : new Object()) {
          blocked.send(LoopServer.message(how.name()));
          Thread handler = awaitHandler();
          if (how == Block.SOCKET_READ) {
            peer = socketServer.accept();
          }
          awaitBlocked(handler, how);

          // Meanwhile the loop's other calls, on both connections, make their round trips.
          List<ClientStream<Message, Message>> others = new ArrayList<>();
          for (int i = 0; i < 6; i++) {
            others.add(LoopServer.open(i % 2 == 0 ? first : second));
          }
          for (int round = 0; round < 20; round++) {
            for (ClientStream<Message, Message> other : others) {
              assertThat(LoopServer.ask(other, round == 0 ? "echo" : "r" + round))
                  .isEqualTo(round == 0 ? "echo" : "r" + round);
            }
          }
          for (ClientStream<Message, Message> other : others) {
            other.closeSend();
            assertThat(other.recv()).isNull();
          }
          assertThat(handler.getState()).as("the blocked handler, still blocked")
              .isIn(blockedStates(how));
        }
      } finally {
        if (how == Block.LOCK) {
          lock.unlock();
        }
      }
      synchronized (monitor) {
        released = true;
        monitor.notifyAll();
      }
      release.countDown();
      if (peer != null) {
        peer.write(ByteBuffer.wrap(new byte[] {1}));
        peer.close();
      }
      Message done = blocked.recv();
      assertThat(done).isNotNull();
      String[] where = done.getText().split(" ");
      assertThat(where[1]).as("before blocking").startsWith("grpc-loop-carrier-");
      assertThat(where[2]).as("after blocking").startsWith("grpc-loop-carrier-");
      blocked.closeSend();
      assertThat(blocked.recv()).isNull();
    }
    assertThat(server.loops.carriersReplaced()).isZero();
  }

  /** The handler thread of the first call. */
  private Thread awaitHandler() throws InterruptedException {
    long deadline = System.nanoTime() + LoopServer.PATIENCE.toNanos();
    while (server.handlerThreads().isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no handler thread was made");
      }
      Thread.onSpinWait();
      Thread.yield();
    }
    return server.handlerThreads().get(0);
  }

  private static Set<Thread.State> blockedStates(Block how) {
    return how == Block.MONITOR
        ? EnumSet.of(Thread.State.BLOCKED)
        : EnumSet.of(Thread.State.WAITING, Thread.State.TIMED_WAITING);
  }

  /** Waits until the handler has reached its blocking point. */
  private static void awaitBlocked(Thread handler, Block how) throws InterruptedException {
    Set<Thread.State> states = blockedStates(how);
    long deadline = System.nanoTime() + LoopServer.PATIENCE.toNanos();
    // A handler that blocks in a grpc call or a socket read waits in steps (connect, send, read):
    // the state must hold for a moment to count.
    int steady = 0;
    while (steady < 50) {
      steady = states.contains(handler.getState()) ? steady + 1 : 0;
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the handler did not block: " + handler.getState());
      }
      TimeUnit.MILLISECONDS.timedJoin(handler, 1);
    }
  }
}
