package dev.grpcloop.eventloop;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The deadlock stress: many echo streams over a few connections, each streaming both ways at once
 * (a sender thread sends numbered messages, small, medium and large, while the stream's reader
 * checks that every echo comes back in order), for a fixed time. Under the unpooled allocator,
 * which the tests' JVM runs on, every message allocates direct buffers, so every thread that
 * writes contends on the JDK's {@code Cleaner} monitor: the lock behind the naive form's deadlock.
 *
 * <p>A monitor watches progress: if no echo arrives for {@code stallLimit}, the run counts as
 * stalled; it then records the platform threads' states, writes a full thread dump (virtual threads
 * included) to {@code target/}, and cancels every stream.
 */
final class EchoStress {

  /** How a run ended. */
  record Result(long echoes, List<String> errors, String stall) {
    boolean stalled() {
      return stall != null;
    }
  }

  private final int port;
  private final int connections;
  private final int streams;
  private final AtomicLong echoes = new AtomicLong();
  private final Queue<String> errors = new ConcurrentLinkedQueue<>();
  private volatile boolean stop;

  EchoStress(int port, int connections, int streams) {
    this.port = port;
    this.connections = connections;
    this.streams = streams;
  }

  /** The server side: echo every message. */
  static void echo(ServerStream<Message, Message> stream) throws Exception {
    for (Message m; (m = stream.recv()) != null; ) {
      stream.send(m);
    }
  }

  /**
   * Runs the stress for {@code duration}, then lets every stream finish; gives up on a stall.
   * {@code stuckThread} picks the platform threads whose states a stall report lists.
   */
  Result run(Duration duration, Duration stallLimit, Predicate<Thread> stuckThread)
      throws InterruptedException {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }
    List<ClientStream<Message, Message>> open = new ArrayList<>();
    CountDownLatch finished = new CountDownLatch(streams);
    List<Thread> readers = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      ClientStream<Message, Message> stream = LoopServer.open(channels.get(s % connections));
      open.add(stream);
      int id = s;
      readers.add(Thread.ofVirtual().name("stress-reader-" + s).start(() -> {
        try {
          drive(id, stream);
        } catch (Exception e) {
          if (!stop || !(e instanceof io.grpc.StatusException)) {
            errors.add("stream " + id + ": " + e);
          }
        } finally {
          finished.countDown();
        }
      }));
    }
    String stall = null;
    long deadline = System.nanoTime() + duration.toNanos();
    long lastEchoes = -1;
    long lastProgress = System.nanoTime();
    try {
      while (!finished.await(500, TimeUnit.MILLISECONDS)) {
        long now = System.nanoTime();
        if (!stop && now - deadline > 0) {
          stop = true;
        }
        long seen = echoes.get();
        if (seen != lastEchoes) {
          lastEchoes = seen;
          lastProgress = now;
        } else if (now - lastProgress > stallLimit.toNanos()) {
          stall = describeStall(seen, stallLimit, stuckThread);
          break;
        }
      }
    } finally {
      stop = true;
      for (ClientStream<Message, Message> stream : open) {
        stream.close();
      }
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
      if (stall == null) {
        for (Thread reader : readers) {
          reader.join();
        }
        for (ManagedChannel channel : channels) {
          channel.awaitTermination(30, TimeUnit.SECONDS);
        }
      }
    }
    return new Result(echoes.get(), List.copyOf(errors), stall);
  }

  /** One stream: a sender thread sends until told to stop; this thread checks every echo. */
  private void drive(int id, ClientStream<Message, Message> stream) throws Exception {
    AtomicLong sent = new AtomicLong();
    stream.startSender(() -> {
      Random random = new Random(id);
      for (long i = 0; !stop; i++) {
        if (!stream.send(message(i, random))) {
          return;
        }
        sent.set(i + 1);
      }
    });
    long expected = 0;
    for (Message m; (m = stream.recv()) != null; expected++) {
      String text = m.getText();
      String prefix = expected + ":";
      if (!text.startsWith(prefix)) {
        throw new AssertionError("stream " + id + " expected echo " + expected + ", got "
            + text.substring(0, Math.min(20, text.length())));
      }
      echoes.incrementAndGet();
    }
    if (expected != sent.get()) {
      throw new AssertionError("stream " + id + " sent " + sent.get() + ", got back " + expected);
    }
  }

  /** Mostly small messages, some of 4 KB, a few of 48 KB (more than one HTTP/2 frame). */
  private static Message message(long i, Random random) {
    int roll = random.nextInt(100);
    int size = roll < 70 ? 32 : roll < 95 ? 4 * 1024 : 48 * 1024;
    StringBuilder text = new StringBuilder(size + 16).append(i).append(':');
    while (text.length() < size) {
      text.append('x');
    }
    return Message.newBuilder().setText(text.toString()).build();
  }

  private String describeStall(long seen, Duration stallLimit, Predicate<Thread> stuckThread) {
    StringBuilder report = new StringBuilder("no echo for ")
        .append(stallLimit.toSeconds()).append(" s after ").append(seen).append(" echoes\n");
    var threads = ManagementFactory.getThreadMXBean();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (!stuckThread.test(thread)) {
        continue;
      }
      ThreadInfo info = threads.getThreadInfo(new long[] {thread.threadId()}, true, true)[0];
      if (info == null) {
        continue;
      }
      report.append(thread.getName()).append(' ').append(info.getThreadState());
      LockInfo lock = info.getLockInfo();
      if (lock != null) {
        report.append(" on ").append(lock);
      }
      if (info.getLockOwnerName() != null) {
        report.append(" owned by ").append(info.getLockOwnerName());
      }
      report.append('\n');
      StackTraceElement[] stack = info.getStackTrace();
      for (int i = 0; i < Math.min(8, stack.length); i++) {
        report.append("    at ").append(stack[i]).append('\n');
      }
    }
    try {
      Path dump = Path.of("target", "stress-stall-" + ProcessHandle.current().pid() + "-"
          + System.nanoTime() + ".json").toAbsolutePath();
      Files.createDirectories(dump.getParent());
      ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
      report.append("full thread dump (virtual threads too): ").append(dump).append('\n');
    } catch (IOException | RuntimeException e) {
      report.append("no thread dump: ").append(e).append('\n');
    }
    return report.toString();
  }
}
