package dev.grpcloop.hardening;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The server of {@link BackpressureMemoryTest}, run in a JVM of its own (the test gives it
 * -Xmx256m) so that its heap is measured alone. Two adapter handlers: {@code Download} sends as
 * many bytes as the request asks for, in 64 KiB messages, as fast as send() lets it; {@code Upload}
 * receives at a slow {@code RATE} bytes per second and answers with the count.
 *
 * <p>Usage: {@code BackpressureServer RATE}. Prints {@code port N}, then answers commands on
 * standard input: {@code reset} (GC, then forget the peaks), {@code stats} (one line of heap
 * figures since the reset), {@code quit}.
 */
public final class BackpressureServer {
  static final int CHUNK = 64 * 1024;

  /** The most heap in use just after any GC since the reset: the live data, garbage aside. */
  private static final AtomicLong maxLiveAfterGc = new AtomicLong();

  private BackpressureServer() {}

  public static void main(String[] args) throws Exception {
    long rate = Long.parseLong(args[0]);
    Message chunk = TestService.text("x".repeat(CHUNK));
    Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .directExecutor()
        .addService(new TestService()
            .bidi("Download", stream -> {
              long total = Long.parseLong(stream.recv().getText());
              for (long sent = 0; sent < total; sent += CHUNK) {
                stream.send(chunk);
              }
            })
            .bidi("Upload", stream -> {
              Pacer pacer = new Pacer(rate);
              long bytes = 0;
              for (Message msg; (msg = stream.recv()) != null; ) {
                bytes += msg.getText().length();
                pacer.pace(bytes);
              }
              stream.send(TestService.text(Long.toString(bytes)));
            })
            .build(Thread.ofVirtual().factory()))
        .build()
        .start();
    watchGc();
    System.out.println("port " + server.getPort());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
      switch (line) {
        case "reset" -> {
          System.gc();
          heapPools().forEach(MemoryPoolMXBean::resetPeakUsage);
          maxLiveAfterGc.set(0);
          System.out.println("ok");
        }
        case "stats" -> System.out.println(stats());
        default -> System.out.println("unknown command " + line);
      }
      System.out.flush();
    }
    server.shutdownNow().awaitTermination();
  }

  /** {@code stats peakUsed=B maxLiveAfterGc=B max=B}: sum of the pools' peaks since the reset. */
  private static String stats() {
    long peak = heapPools().stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
    return "stats peakUsed=" + peak + " maxLiveAfterGc=" + maxLiveAfterGc.get() + " max=" + max;
  }

  private static List<MemoryPoolMXBean> heapPools() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP)
        .toList();
  }

  /** Records the heap in use after every GC (G1's young and full collections alike). */
  private static void watchGc() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
        if (!notification.getType().equals(
            GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
          return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
            (CompositeData) notification.getUserData());
        long after = 0;
        for (var pool : heapPools()) {
          MemoryUsage usage = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
          if (usage != null) {
            after += usage.getUsed();
          }
        }
        maxLiveAfterGc.accumulateAndGet(after, Math::max);
      }, null, null);
    }
  }
}
