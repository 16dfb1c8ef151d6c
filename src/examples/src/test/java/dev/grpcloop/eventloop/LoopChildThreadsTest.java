package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Threads that a handler starts inherit its scheduler (the JDK's rule for a virtual thread started
 * by a virtual thread): they must not land on the loop. They run on the JDK's default scheduler, at
 * start and after every park, and so do their own children; the handler stays on its loop; and a
 * child that computes does not stall the loop at all.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopChildThreadsTest {

  private final Queue<String> carriers = new ConcurrentLinkedQueue<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch childSpinning = new CountDownLatch(1);
  private volatile Thread spinner;
  private LoopServer server;

  @BeforeEach
  void start() throws Exception {
    server = LoopServer.start(1, this::handle);
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.close();
  }

  private void handle(ServerStream<Message, Message> stream) throws Exception {
    Message first = stream.recv();
    if (first == null) {
      return;
    }
    switch (first.getText()) {
      case "echo" -> {
        stream.send(first);
        EchoStress.echo(stream);
        return;
      }
      case "children" -> startChildren();
      case "helpers" -> forkHelpers(stream);
      case "spinning-child" -> {
        spinner = Thread.ofVirtual().start(() -> {
          childSpinning.countDown();
          long x = 1;
          while (release.getCount() > 0) {
            x = x * 6364136223846793005L + 1442695040888963407L;
          }
          carriers.add("spun " + (x == 42));
        });
        childSpinning.await();
      }
      default -> throw new IllegalArgumentException(first.getText());
    }
    stream.send(LoopServer.message("handler " + LoopServer.carrierName(Thread.currentThread())));
    stream.recv();
  }

  /** A child that parks and is woken five times, its own child, and an executor's task. */
  private void startChildren() throws Exception {
    SynchronousQueue<String> handOff = new SynchronousQueue<>();
    Thread child = Thread.ofVirtual().name("child").start(() -> {
      try {
        Thread grandchild = Thread.ofVirtual().name("grandchild").start(
            () -> carriers.add("grandchild " + LoopServer.carrierName(Thread.currentThread())));
        for (int i = 0; i < 5; i++) {
          handOff.take(); // parks; the handler's put wakes it
          carriers.add("child " + LoopServer.carrierName(Thread.currentThread()));
        }
        grandchild.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    for (int i = 0; i < 5; i++) {
      handOff.put("wake");
      carriers.add("handler " + LoopServer.carrierName(Thread.currentThread()));
    }
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      executor.submit(() -> carriers.add("task " + LoopServer.carrierName(Thread.currentThread())));
    }
    child.join();
  }

  /**
   * The adapter's own helpers ({@code ServerCallScope.fork}, a virtual thread the handler's
   * thread starts): a helper that parks and is woken three times, and one it forks itself.
   */
  private void forkHelpers(ServerStream<Message, Message> stream) throws Exception {
    SynchronousQueue<String> handOff = new SynchronousQueue<>();
    Thread helper = stream.fork(() -> {
      Thread inner = stream.fork(
          () -> carriers.add("inner " + LoopServer.carrierName(Thread.currentThread())));
      for (int i = 0; i < 3; i++) {
        handOff.take();
        carriers.add("helper " + LoopServer.carrierName(Thread.currentThread()));
      }
      inner.join();
    });
    for (int i = 0; i < 3; i++) {
      handOff.put("wake");
      carriers.add("handler " + LoopServer.carrierName(Thread.currentThread()));
    }
    helper.join();
  }

  @Test
  void theCallsHelpersRunOnTheDefaultScheduler() throws Exception {
    ManagedChannel channel = server.connect();
    try (ClientStream<Message, Message> stream = LoopServer.open(channel)) {
      assertThat(LoopServer.ask(stream, "helpers")).startsWith("handler grpc-loop-carrier-");
      stream.closeSend();
      assertThat(stream.recv()).isNull();
    }
    List<String> seen = List.copyOf(carriers);
    assertThat(seen).hasSize(3 + 3 + 1);
    for (String entry : seen) {
      String[] parts = entry.split(" ");
      assertThat(parts[1]).as(entry)
          .startsWith(parts[0].equals("handler") ? "grpc-loop-carrier-" : "ForkJoinPool");
    }
  }

  @Test
  void childrenRunOnTheDefaultSchedulerAndTheHandlerStaysOnItsLoop() throws Exception {
    ManagedChannel channel = server.connect();
    try (ClientStream<Message, Message> stream = LoopServer.open(channel)) {
      assertThat(LoopServer.ask(stream, "children")).startsWith("handler grpc-loop-carrier-");
      stream.closeSend();
      assertThat(stream.recv()).isNull();
    }
    List<String> seen = List.copyOf(carriers);
    assertThat(seen).hasSize(1 + 5 + 5 + 1);
    for (String entry : seen) {
      String[] parts = entry.split(" ");
      if (parts[0].equals("handler")) {
        assertThat(parts[1]).as(entry).startsWith("grpc-loop-carrier-");
      } else {
        assertThat(parts[1]).as(entry).startsWith("ForkJoinPool");
      }
    }
  }

  @Test
  void aComputingChildDoesNotStallTheLoop() throws Exception {
    ManagedChannel channel = server.connect();
    try (ClientStream<Message, Message> parent = LoopServer.open(channel);
        ClientStream<Message, Message> other = LoopServer.open(channel)) {
      assertThat(LoopServer.ask(parent, "spinning-child")).startsWith("handler grpc-loop-carrier-");
      assertThat(LoopServer.carrierName(spinner)).startsWith("ForkJoinPool");
      assertThat(LoopServer.ask(other, "echo")).isEqualTo("echo");
      for (int i = 0; i < 50; i++) {
        assertThat(LoopServer.ask(other, "r" + i)).isEqualTo("r" + i);
      }
      assertThat(server.loops.carriersReplaced()).isZero();
      assertThat(server.loops.handlersMovedOff()).isZero();
      release.countDown();
      spinner.join();
      assertThat(carriers).containsExactly("spun false");
      parent.closeSend();
      assertThat(parent.recv()).isNull();
      other.closeSend();
      assertThat(other.recv()).isNull();
    }
  }
}
