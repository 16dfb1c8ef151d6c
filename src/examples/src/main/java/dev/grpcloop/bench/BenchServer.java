package dev.grpcloop.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.eventloop.EventLoopHandlers;
import dev.grpcloop.serving.EventLoopServer;
import dev.grpcloop.serving.ExampleServer;
import io.grpc.benchmarks.proto.BenchmarkServiceLoop;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * One benchmark server, in a JVM of its own so that its heap is its own: {@code BenchServer KIND}
 * with a {@link ServerKind} name. It listens on a free loopback port and prints {@code port N};
 * then it answers the benchmark's commands, one line each on standard input:
 *
 * <ul>
 *   <li>{@code heap}: collects garbage and answers {@code heap USED_BYTES THREAD_NATIVE_BYTES},
 *       the second being what Native Memory Tracking counts as committed for threads (their
 *       stacks above all), or -1 where the JVM runs without {@code -XX:NativeMemoryTracking};
 *   <li>{@code live}: answers {@code live N}, the live handlers ({@link HandlerCensus});
 *   <li>{@code await-live N MILLIS}: waits until at most N handlers are live, or MILLIS pass, and
 *       answers {@code live N};
 *   <li>{@code dcmd OPERATION PATH}: runs a diagnostic command (as jcmd would; for example
 *       gcClassHistogram, to find where an idle stream's bytes go, or compilerCodelist), writes its
 *       output to PATH and answers {@code ok};
 *   <li>{@code threads PATH}: writes a JSON thread dump, virtual threads included, to PATH and
 *       answers {@code ok};
 *   <li>{@code stack-chunks}: answers {@code chunks COUNT BYTES}, the live heap's virtual-thread
 *       stack chunks (a parked virtual thread's frames): their size shows whether those frames are
 *       compiled yet;
 *   <li>{@code await-jit MILLIS}: waits until the JIT compilers' queues are empty, or MILLIS pass,
 *       and answers {@code jit idle MS} or {@code jit busy MS}, with the JIT's total compile time
 *       so far: so that measured rounds run compiled code;
 *   <li>{@code quit}, or the end of standard input: stops the server and exits.
 * </ul>
 *
 * <p>Standard output carries only these answers; grpc's own logging goes to standard error.
 */
public final class BenchServer {
  private BenchServer() {}

  /** Starts the server named by {@code args[0]} and serves commands until told to quit. */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: BenchServer KIND (one of adapter, raw, ...)");
    }
    ServerKind kind = ServerKind.valueOf(args[0]);
    RawEchoService raw = new RawEchoService();
    Server server = start(kind, raw);
    IntSupplier live = census(kind, raw);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println("port " + server.getPort());
    try {
      serveCommands(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
          out, live);
    } finally {
      server.shutdownNow();
      server.awaitTermination(10, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  private static Server start(ServerKind kind, RawEchoService raw) throws IOException {
    return switch (kind) {
      case ADAPTER -> ExampleServer.start(0, BenchServer::unlimited, new EchoService());
      case ADAPTER_PLATFORM ->
          ExampleServer.start(0, BenchServer::unlimited, () -> platformThreadEcho());
      case ADAPTER_EVENTLOOP -> eventLoopServer(
          options -> EchoServiceLoop.bindService(new EchoService(), options));
      case QPS_ADAPTER -> ExampleServer.start(0, BenchServer::unlimited, new QpsAdapterService());
      case QPS_ADAPTER_EVENTLOOP -> eventLoopServer(
          options -> BenchmarkServiceLoop.bindService(new QpsAdapterService(), options));
      case RAW -> rawServer(raw, false);
      case RAW_DIRECT -> rawServer(raw, true);
      case QPS_REFERENCE, QPS_REFERENCE_DIRECT ->
          throw new IllegalArgumentException(kind + " is grpc-java's AsyncServer, not ours");
    };
  }

  /**
   * A service with its handler threads on the event loops, as ExampleServer.startOnEventLoops
   * serves it (the cap on calls per connection lifted, as for the other servers): the one
   * configure call, the mode's factory in the bindings' options. The loops end with the server.
   */
  private static Server eventLoopServer(
      Function<BlockingServerCalls.Options, ServerServiceDefinition> service) throws IOException {
    EventLoopServer server = ExampleServer.startOnEventLoops(0, BenchServer::unlimited,
        new HealthStatusManager(), List.of(service));
    if (!server.handlersOnEventLoops()) {
      server.shutdownNow();
      throw new IllegalStateException("the event-loop mode fell back: see the log");
    }
    return server;
  }

  /**
   * Lifts the example servers' cap on calls per connection: the benchmark holds thousands of
   * streams on each of a few connections, and the raw servers it compares with have no cap.
   */
  private static void unlimited(NettyServerBuilder builder) {
    builder.maxConcurrentCallsPerConnection(Integer.MAX_VALUE);
  }

  /** EchoService's loop on a platform thread per call: what the adapter saves by going virtual. */
  private static ServerServiceDefinition platformThreadEcho() {
    return EchoService.bindService(
        Thread.ofPlatform().name(HandlerCensus.PLATFORM_HANDLER_PREFIX, 0).factory());
  }

  private static Server rawServer(RawEchoService raw, boolean direct) throws IOException {
    ServerBuilder<?> builder =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(raw);
    if (direct) {
      builder.directExecutor();
    }
    return builder.build().start();
  }

  private static IntSupplier census(ServerKind kind, RawEchoService raw) {
    return switch (kind) {
      case ADAPTER, QPS_ADAPTER -> HandlerCensus.virtualThreads();
      case ADAPTER_EVENTLOOP, QPS_ADAPTER_EVENTLOOP -> {
        // Each event loop's I/O thread is a virtual thread too.
        IntSupplier all = HandlerCensus.virtualThreads();
        int loops = EventLoopHandlers.Options.DEFAULT.loops();
        yield () -> Math.max(0, all.getAsInt() - loops);
      }
      case ADAPTER_PLATFORM ->
          HandlerCensus.platformThreadsNamed(HandlerCensus.PLATFORM_HANDLER_PREFIX);
      default -> raw::openCalls;
    };
  }

  private static void serveCommands(BufferedReader in, PrintStream out, IntSupplier live)
      throws IOException, InterruptedException {
    for (String line; (line = in.readLine()) != null; ) {
      String[] words = line.trim().split("\\s+");
      switch (words[0]) {
        case "heap" -> out.println("heap " + usedHeapAfterGc() + " " + threadNativeBytes());
        case "live" -> out.println("live " + live.getAsInt());
        case "await-live" -> out.println(
            "live " + awaitAtMost(live, Integer.parseInt(words[1]), Long.parseLong(words[2])));
        case "dcmd" -> {
          Files.writeString(Path.of(words[2]), diagnosticCommand(words[1]), StandardCharsets.UTF_8);
          out.println("ok");
        }
        case "stack-chunks" -> out.println("chunks " + stackChunks());
        case "await-jit" -> out.println("jit " + (awaitJitIdle(Long.parseLong(words[1])) ? "idle" : "busy")
            + " " + ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
        case "threads" -> {
          Files.deleteIfExists(Path.of(words[1]));
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
              .dumpThreads(words[1], HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
          out.println("ok");
        }
        case "quit" -> {
          return;
        }
        default -> out.println("error unknown command: " + line);
      }
    }
  }

  /** Polls until at most {@code target} handlers are live or the time is up; returns the count. */
  private static int awaitAtMost(IntSupplier live, int target, long millis)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    int count = live.getAsInt();
    while (count > target && System.nanoTime() - deadline < 0) {
      Thread.sleep(1);
      count = live.getAsInt();
    }
    return count;
  }

  /**
   * The heap in use after full collections: what the live objects retain. The least of three
   * readings, so that an allocation between a collection and its reading does not count.
   */
  private static long usedHeapAfterGc() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  /** Polls the compile queues until both are empty or the time is up; returns whether empty. */
  private static boolean awaitJitIdle(long millis) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (;;) {
      String queues = diagnosticCommand("compilerQueue");
      int at = queues.indexOf("C1 compile queue:");
      String waiting = at < 0 ? queues : queues.substring(at);
      long empty = waiting.lines().filter(l -> l.trim().equals("Empty")).count();
      if (empty >= 2) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Thread.sleep(50);
    }
  }

  /** A diagnostic command's output, as jcmd prints it: gcClassHistogram, compilerCodelist... */
  private static String diagnosticCommand(String operation, String... arguments)
      throws IOException {
    try {
      return (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
          new Object[] {arguments}, new String[] {String[].class.getName()});
    } catch (JMException e) {
      throw new IOException("diagnostic command " + operation + " failed", e);
    }
  }

  /** "COUNT BYTES" of jdk.internal.vm.StackChunk in a class histogram of the live heap. */
  private static String stackChunks() throws IOException {
    Matcher m = STACK_CHUNKS.matcher(diagnosticCommand("gcClassHistogram"));
    return m.find() ? m.group(1) + " " + m.group(2) : "0 0";
  }

  private static final Pattern STACK_CHUNKS =
      Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+jdk\\.internal\\.vm\\.StackChunk\\b");

  /**
   * What Native Memory Tracking counts as committed for threads (stacks and their native
   * structures), or -1 if tracking is off. Platform threads keep their stacks here; virtual threads
   * keep theirs on the heap.
   */
  private static long threadNativeBytes() throws IOException {
    String summary = diagnosticCommand("vmNativeMemory", "summary");
    Matcher m = NMT_THREAD.matcher(summary);
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  private static final Pattern NMT_THREAD =
      Pattern.compile("Thread \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
}
