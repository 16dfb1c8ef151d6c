package dev.grpcloop.bench;

import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The idle_streams client: opens N bidi streams, each sending one message and getting its echo, so
 * that every handler is parked in recv() again; asks the server for its heap and its virtual
 * threads' stack chunks (and, given a path, for a class histogram, a thread dump and the JIT's code
 * list); cancels them all and times until the server's last handler has ended.
 */
final class IdleStreams {
  private IdleStreams() {}

  /** Streams opened and not yet echoed, at most: keeps the opening burst within bounds. */
  private static final int OPEN_WINDOW = 1000;

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

  /**
   * One round's figures.
   *
   * @param openSeconds from the first stream's start to the last stream's echo
   * @param cancelSeconds from the first cancel to the server reporting no live handler
   * @param heapBefore the server's heap after GC before opening
   * @param heapOpen the server's heap after GC with all N streams open
   * @param nativeBefore the server's native thread memory before opening (NMT), or -1
   * @param nativeOpen the server's native thread memory with all N streams open, or -1
   * @param chunkCount virtual-thread stack chunks on the server's heap with all N open
   * @param chunkBytes their bytes: a parked virtual thread's frames
   * @param liveOpen handlers the server counted with all N open: N when each is parked
   * @param liveAfter handlers the server counted after the cancel: must be 0
   */
  record Round(
      double openSeconds, double cancelSeconds, long heapBefore, long heapOpen, long nativeBefore,
      long nativeOpen, long chunkCount, long chunkBytes, int liveOpen, int liveAfter) {

    /** The average stack chunk's size, or 0 where no thread is virtual. */
    double bytesPerChunk() {
      return chunkCount == 0 ? 0 : (double) chunkBytes / chunkCount;
    }
  }

  static Round run(List<? extends Channel> channels, ServerProcess server, int n, Duration timeout,
      Path histogram) throws IOException, InterruptedException {
    Message hello = EchoClient.message(BenchOptions.MESSAGE_BYTES);
    long[] before = heap(server);

    Watcher watcher = new Watcher(n);
    List<ClientCall<Message, Message>> calls = new ArrayList<>(n);
    long openStart = System.nanoTime();
    long deadline = openStart + timeout.toNanos();
    for (int i = 0; i < n; i++) {
      watcher.acquireOpenSlot(deadline);
      ClientCall<Message, Message> call =
          channels.get(i % channels.size()).newCall(EchoClient.ECHO, CallOptions.DEFAULT);
      call.start(watcher, new Metadata());
      call.request(1);
      call.sendMessage(hello);
      calls.add(call);
    }
    watcher.awaitAll(watcher.echoed, deadline, "echoes");
    double openSeconds = (System.nanoTime() - openStart) / 1e9;

    int liveOpen = parseCount(server.command("live", COMMAND_TIMEOUT));
    long[] open = heap(server);
    String[] chunks = server.command("stack-chunks", COMMAND_TIMEOUT).split(" ");
    if (histogram != null) {
      Files.createDirectories(histogram.toAbsolutePath().getParent());
      Path at = histogram.toAbsolutePath();
      server.command("dcmd gcClassHistogram " + at, COMMAND_TIMEOUT);
      String name = at.getFileName().toString();
      server.command("threads " + at.resolveSibling(name.replace(".txt", "-threads.json")),
          COMMAND_TIMEOUT);
      server.command("dcmd compilerCodelist " + at.resolveSibling(name.replace(".txt", "-code.txt")),
          COMMAND_TIMEOUT);
    }

    watcher.cancelling = true;
    long cancelStart = System.nanoTime();
    for (ClientCall<Message, Message> call : calls) {
      call.cancel("idle_streams round over", null);
    }
    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeout.toNanos()));
    int liveAfter = parseCount(server.command("await-live 0 " + left, COMMAND_TIMEOUT.plus(timeout)));
    double cancelSeconds = (System.nanoTime() - cancelStart) / 1e9;
    watcher.awaitAll(watcher.closed, System.nanoTime() + timeout.toNanos(), "client closes");
    return new Round(openSeconds, cancelSeconds, before[0], open[0], before[1], open[1],
        Long.parseLong(chunks[1]), Long.parseLong(chunks[2]), liveOpen, liveAfter);
  }

  /** {heap, native thread memory} from the server's "heap" command. */
  private static long[] heap(ServerProcess server) throws IOException, InterruptedException {
    String[] words = server.command("heap", COMMAND_TIMEOUT).split(" ");
    return new long[] {Long.parseLong(words[1]), Long.parseLong(words[2])};
  }

  private static int parseCount(String answer) {
    return Integer.parseInt(answer.split(" ")[1]);
  }

  /**
   * One listener for all N calls (a listener each would weigh on the client): counts echoes and
   * closes, and remembers the first unexpected end.
   */
  private static final class Watcher extends ClientCall.Listener<Message> {
    final CountDownLatch echoed;
    final CountDownLatch closed;
    private final Semaphore openSlots = new Semaphore(OPEN_WINDOW);
    private final AtomicReference<Status> failure = new AtomicReference<>();
    /** Set before the cancels: from then on, CANCELLED is the expected end. */
    volatile boolean cancelling;

    Watcher(int n) {
      echoed = new CountDownLatch(n);
      closed = new CountDownLatch(n);
    }

    void acquireOpenSlot(long deadline) throws IOException, InterruptedException {
      while (!openSlots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        checkFailure();
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("timed out opening idle streams");
        }
      }
    }

    void awaitAll(CountDownLatch latch, long deadline, String what)
        throws IOException, InterruptedException {
      while (!latch.await(100, TimeUnit.MILLISECONDS)) {
        checkFailure();
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("timed out waiting for " + what + ": " + latch.getCount() + " missing");
        }
      }
      checkFailure();
    }

    private void checkFailure() throws IOException {
      Status status = failure.get();
      if (status != null) {
        throw new IOException("an idle stream ended unexpectedly: " + status);
      }
    }

    @Override
    public void onMessage(Message message) {
      echoed.countDown();
      openSlots.release();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (!cancelling || status.getCode() != Status.Code.CANCELLED) {
        failure.compareAndSet(null, status);
      }
      closed.countDown();
    }
  }
}
