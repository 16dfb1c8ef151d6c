package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusException;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A handler that computes, or pins its carrier, stalls its loop's other calls only for a bounded
 * time. With one loop, one handler spins on the CPU (or blocks pinned below a native frame: in a
 * class loader that {@code Class.forName} calls, or in a FIFO's open) until the test releases it;
 * meanwhile the loop's other calls must
 * make their round trips, each within {@link #BOUND}, which is far above the documented stall
 * (about two slices for a computing handler, five to six slices for a pinned one waiting, about 25
 * for one pinned in native code, plus the OS's delays) but far below "until released".
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopStallTest {

  /** The most one round trip of another call may take while the handler stalls its carrier. */
  static final Duration BOUND = Duration.ofSeconds(3);

  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch stalling = new CountDownLatch(1);
  private LoopServer server;
  private Path fifo;
  private Path firstFifo;

  /** Released by the pinned-in-class-initialiser test. */
  static final CountDownLatch CLASS_INIT_RELEASE = new CountDownLatch(1);

  /** A class whose initialiser blocks: a virtual thread initialising it pins its carrier. */
  static final class BlocksInInitialiser {
    static final String VALUE;

    static {
      try {
        CLASS_INIT_RELEASE.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      VALUE = "initialised";
    }

    private BlocksInInitialiser() {}
  }

  @BeforeEach
  void start() throws Exception {
    server = LoopServer.start(1, this::handle);
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    CLASS_INIT_RELEASE.countDown();
    for (Path each : new Path[] {firstFifo, fifo}) {
      if (each != null && Files.exists(each)) {
        // Opening a FIFO for reading and writing never blocks, and ends a reader's wait in open:
        // a handler still pinned there (the test failed before it released it) lets go.
        try (RandomAccessFile writer = new RandomAccessFile(each.toFile(), "rw")) {
          writer.write(1);
        }
      }
    }
    server.close();
    for (Path each : new Path[] {firstFifo, fifo}) {
      if (each != null) {
        Files.deleteIfExists(each);
      }
    }
    if (fifo != null) {
      Files.deleteIfExists(fifo.getParent());
    }
  }

  private void handle(ServerStream<Message, Message> stream) throws Exception {
    Message first = stream.recv();
    if (first == null) {
      return;
    }
    String how = first.getText();
    if (how.equals("echo")) {
      stream.send(first);
      EchoStress.echo(stream);
      return;
    }
    String before = LoopServer.carrierName(Thread.currentThread());
    stalling.countDown();
    switch (how) {
      case "spin" -> {
        long x = 1;
        while (release.getCount() > 0) { // reads a volatile: computes, never blocks
          x = x * 6364136223846793005L + 1442695040888963407L;
        }
        if (x == 42) {
          throw new AssertionError("unlikely");
        }
      }
      case "class-init" -> assertThat(BlocksInInitialiser.VALUE).isEqualTo("initialised");
      case "class-load" -> {
        // Class.forName is native: the loader it calls runs below a native frame, pinned.
        ClassLoader blocking = new ClassLoader(null) {
          @Override
          protected Class<?> findClass(String name) throws ClassNotFoundException {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new ClassNotFoundException(name);
          }
        };
        try {
          Class.forName("dev.grpcloop.eventloop.NoSuchClass", false, blocking);
          throw new AssertionError("found a class that does not exist");
        } catch (ClassNotFoundException expected) {
          // the loader was released
        }
      }
      case "fifo" -> readFifo(fifo);
      case "fifo-after-work" -> {
        // The CI hang's state, in a fixed order: the watchdog sees this run while it is pinned in
        // native code (for far fewer ticks than that is allowed), then the run computes for less
        // than a slice, then it pins in native code again. The "fifo" run does the same by
        // chance: seen early, it used 180 to 270 us of CPU before its open (measured, 8 runs).
        // A platform thread, so that starting it does not end this run (nor does its end: no join).
        Thread.ofPlatform().name("first-fifo-opener").start(() -> {
          parkFor(Duration.ofMillis(50));
          writeFifo(firstFifo);
        });
        readFifo(firstFifo);
        spin(Duration.ofMillis(3));
        readFifo(fifo);
      }
      default -> throw new IllegalArgumentException(how);
    }
    Thread.yield(); // its next run shows where it runs now
    String after = LoopServer.carrierName(Thread.currentThread());
    stream.send(LoopServer.message("done " + before + " " + after));
    stream.recv();
  }

  /** Blocks in a FIFO's open, pinned in native code, until a writer opens it; reads one byte. */
  private static void readFifo(Path fifo) throws Exception {
    try (InputStream in = new FileInputStream(fifo.toFile())) {
      assertThat(in.read()).isEqualTo(1);
    }
  }

  /** Opens a FIFO for writing (blocking until a reader opens it) and writes one byte. */
  private static void writeFifo(Path fifo) {
    try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
      out.write(1);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Lets {@code time} pass: the watchdog's ticks, not another thread, are what this waits for. */
  private static void parkFor(Duration time) {
    long deadline = System.nanoTime() + time.toNanos();
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      LockSupport.parkNanos(left);
    }
  }

  /** Computes, never blocking, for {@code time} of wall time. */
  private static void spin(Duration time) {
    long deadline = System.nanoTime() + time.toNanos();
    long x = 1;
    while (System.nanoTime() - deadline < 0) {
      x = x * 6364136223846793005L + 1442695040888963407L;
    }
    if (x == 42) {
      throw new AssertionError("unlikely");
    }
  }

  @Test
  void computingHandlerStallsItsLoopForABoundedTimeAndMovesOff() throws Exception {
    String[] where = stallAndCheck("spin", release::countDown, true);
    assertThat(where[2]).as("after the spin, off the loop").startsWith("ForkJoinPool");
    assertThat(server.loops.handlersMovedOff()).isGreaterThanOrEqualTo(1);
  }

  /** JDK 25 no longer pins a virtual thread that blocks in a class initialiser; older JDKs do. */
  @Test
  void handlerBlockedInAClassInitialiserStallsItsLoopForABoundedTime() throws Exception {
    stallAndCheck("class-init", CLASS_INIT_RELEASE::countDown, false);
  }

  @Test
  void handlerPinnedInAClassLoaderStallsItsLoopForABoundedTime() throws Exception {
    stallAndCheck("class-load", release::countDown, true);
  }

  @Test
  void handlerPinnedInNativeCodeStallsItsLoopForABoundedTime() throws Exception {
    makeFifos();
    stallAndCheck("fifo", () -> writeFifo(fifo), true);
  }

  /**
   * The state a clean-clone CI run hung in: a carrier pinned in native code, using no CPU, while
   * the loop's other calls waited, never replaced. The watchdog had first seen the run before the
   * handler's last CPU work, and counted the CPU the carrier used since then as one sum.
   */
  @Test
  void handlerPinnedInNativeCodeAfterWorkInTheSameRunStallsItsLoopForABoundedTime()
      throws Exception {
    makeFifos();
    stallAndCheck("fifo-after-work", () -> writeFifo(fifo), true);
  }

  private void makeFifos() throws Exception {
    Path dir = Files.createTempDirectory("grpc-loop-fifo");
    fifo = dir.resolve("fifo");
    firstFifo = dir.resolve("first-fifo");
    int made;
    try {
      made = new ProcessBuilder("mkfifo", fifo.toString(), firstFifo.toString()).inheritIO()
          .start().waitFor();
    } catch (java.io.IOException e) {
      made = -1;
    }
    assumeTrue(made == 0, "mkfifo is not available here");
  }

  /** A call that fails with DEADLINE_EXCEEDED if the loop never answers it: a stuck loop. */
  private static ClientStream<Message, Message> openWithDeadline(ManagedChannel channel) {
    return BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod(),
        CallOptions.DEFAULT.withDeadlineAfter(LoopServer.PATIENCE.toMillis(),
            TimeUnit.MILLISECONDS), new Metadata());
  }

  /** {@link LoopServer#ask}, failing the test with the watchdog's counters if no answer came. */
  private String askInTime(ClientStream<Message, Message> stream, String text) throws Exception {
    try {
      return LoopServer.ask(stream, text);
    } catch (StatusException e) {
      throw new AssertionError("no answer to " + text + " (" + e.getStatus().getCode()
          + "): the loop stayed stuck; carriers replaced " + server.loops.carriersReplaced()
          + ", handlers moved off " + server.loops.handlersMovedOff(), e);
    }
  }

  /** An action that may throw. */
  interface Release {
    void run() throws Exception;
  }

  /**
   * Starts the stalling call, times the loop's other calls meanwhile, releases it; returns the
   * stalling handler's answer, split: "done", where it ran before, where after. With {@code pins},
   * the stall is one that holds the carrier, which the watchdog must then have replaced.
   */
  private String[] stallAndCheck(String how, Release releaseIt, boolean pins) throws Exception {
    ManagedChannel first = server.connect();
    ManagedChannel second = server.connect();
    try (ClientStream<Message, Message> early = openWithDeadline(first);
        ClientStream<Message, Message> stalled = LoopServer.open(first)) {
      assertThat(LoopServer.ask(early, "echo")).isEqualTo("echo");
      stalled.send(LoopServer.message(how));
      assertThat(stalling.await(LoopServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

      // A call open before the stall, and one opened during it (its start needs the I/O thread).
      long worst = 0;
      for (int i = 0; i < 10; i++) {
        long start = System.nanoTime();
        assertThat(askInTime(early, "r" + i)).isEqualTo("r" + i);
        worst = Math.max(worst, System.nanoTime() - start);
      }
      long start = System.nanoTime();
      try (ClientStream<Message, Message> late = openWithDeadline(second)) {
        assertThat(askInTime(late, "echo")).isEqualTo("echo");
        long opened = System.nanoTime() - start;
        late.closeSend();
        assertThat(late.recv()).isNull();
        System.out.printf("%s: worst round trip of a call open before the stall %.1f ms, a call"
                + " opened during it answered in %.1f ms; carriers replaced %d%n", how,
            worst / 1e6, opened / 1e6, server.loops.carriersReplaced());
        assertThat(Duration.ofNanos(opened)).isLessThan(BOUND);
      }
      assertThat(Duration.ofNanos(worst)).isLessThan(BOUND);
      if (pins) {
        assertThat(server.loops.carriersReplaced()).as("carriers replaced").isPositive();
      }

      releaseIt.run();
      Message done = stalled.recv();
      assertThat(done).isNotNull();
      String[] where = done.getText().split(" ");
      assertThat(where[1]).as("before the stall").startsWith("grpc-loop-carrier-");
      stalled.closeSend();
      assertThat(stalled.recv()).isNull();
      early.closeSend();
      assertThat(early.recv()).isNull();
      return where;
    }
  }
}
