package dev.grpcloop.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Memory under backpressure (a long run, tagged {@code long}, outside the default test command;
 * run it with {@code ./mvnw test -Dgroups=long -DexcludedGroups=}). 1 GiB goes each way between
 * this JVM and a {@link BackpressureServer} in a JVM of its own with a 256 MiB heap: the server
 * sends to a client that reads at 64 MiB/s, and a client floods a handler that reads at 64 MiB/s.
 * Nothing piles up: the server's live heap stays small, and it never runs out of its 256 MiB.
 */
@Tag("long")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BackpressureMemoryTest {
  static final long TOTAL = 1L << 30;
  static final long SLOW_RATE = 64L << 20;
  static final String SERVER_HEAP = "-Xmx256m";

  /** The live heap (after GC) the server may reach while 1 GiB passes through it. */
  static final long LIVE_LIMIT = 64L << 20;

  private Process server;
  private BufferedReader serverOut;
  private PrintWriter serverIn;
  private ManagedChannel channel;

  @BeforeEach
  void startServer() throws Exception {
    server = new ProcessBuilder(
            System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
            SERVER_HEAP, "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"),
            BackpressureServer.class.getName(), Long.toString(SLOW_RATE))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    serverOut = new BufferedReader(
        new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    serverIn = new PrintWriter(server.getOutputStream(), true, StandardCharsets.UTF_8);
    String line = readLine();
    assertThat(line).startsWith("port ");
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1",
        Integer.parseInt(line.substring("port ".length())),
        InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void stopServer() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    serverIn.println("quit");
    if (!server.waitFor(10, TimeUnit.SECONDS)) {
      server.destroyForcibly();
    }
  }

  @Test
  void aServerSendingToASlowReaderKeepsItsHeapBounded() throws Exception {
    command("reset");
    long start = System.nanoTime();
    long received = 0;
    Pacer pacer = new Pacer(SLOW_RATE);
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(channel, TestService.method("Download"))) {
      stream.send(TestService.text(Long.toString(TOTAL)));
      stream.closeSend();
      for (Message msg; (msg = stream.recv()) != null; ) {
        received += msg.getText().length();
        pacer.pace(received);
      }
    }
    assertThat(received).isEqualTo(TOTAL);
    report("server sends 1 GiB to a client reading at 64 MiB/s", start);
  }

  @Test
  void aClientFloodingASlowHandlerKeepsTheServerHeapBounded() throws Exception {
    command("reset");
    long start = System.nanoTime();
    Message chunk = TestService.text("x".repeat(BackpressureServer.CHUNK));
    String answer;
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(channel, TestService.method("Upload"))) {
      stream.startSender(() -> {
        for (long sent = 0; sent < TOTAL; sent += BackpressureServer.CHUNK) {
          if (!stream.send(chunk)) {
            return;
          }
        }
      });
      answer = stream.recv().getText();
      assertThat(stream.recv()).isNull();
    }
    assertThat(Long.parseLong(answer)).isEqualTo(TOTAL);
    report("client floods 1 GiB to a handler reading at 64 MiB/s", start);
  }

  private void report(String scenario, long start) throws Exception {
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    Map<String, Long> stats = parseStats(command("stats"));
    System.out.printf("backpressure: %s: %d ms; server %s: peak heap used %d MiB (young"
            + " garbage included), max live heap after GC %d MiB%n",
        scenario, millis, SERVER_HEAP, stats.get("peakUsed") >> 20,
        stats.get("maxLiveAfterGc") >> 20);
    assertThat(stats.get("maxLiveAfterGc")).as("server live heap after GC")
        .isLessThan(LIVE_LIMIT);
    assertThat(server.isAlive()).as("the server survived").isTrue();
  }

  private static Map<String, Long> parseStats(String line) {
    assertThat(line).startsWith("stats ");
    Map<String, Long> stats = new HashMap<>();
    for (String field : line.substring("stats ".length()).split(" ")) {
      String[] kv = field.split("=");
      stats.put(kv[0], Long.parseLong(kv[1]));
    }
    return stats;
  }

  private String command(String command) throws Exception {
    serverIn.println(command);
    return readLine();
  }

  private String readLine() throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return serverOut.readLine();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).get(30, TimeUnit.SECONDS);
  }
}
