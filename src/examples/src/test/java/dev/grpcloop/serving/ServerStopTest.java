package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.chat.ChatServer;
import dev.grpcloop.echo.EchoServer;
import dev.grpcloop.interop.InteropServer;
import dev.grpcloop.numbers.NumbersServer;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every example server, run in a JVM of its own as a user runs it, says that it is stopping and
 * that it stopped, every time it is stopped: by SIGTERM (what Ctrl-C does too), or by the end of
 * the process that started it when that process asked for it (Maven, through the pom).
 */
@Timeout(120)
class ServerStopTest {
  /** SIGTERM five times in a row: the line used to be lost in about three runs of five. */
  @RepeatedTest(5)
  void theEchoServerSaysItIsStoppingEveryTime() throws Exception {
    assertStopsSayingSo(EchoServer.class);
  }

  @ParameterizedTest
  @ValueSource(classes = {NumbersServer.class, ChatServer.class, InteropServer.class})
  void everyOtherServerSaysSoToo(Class<?> main) throws Exception {
    assertStopsSayingSo(main);
  }

  /**
   * A shell stands in for Maven: it runs the server as its child and waits, and is then killed
   * (so no signal reaches the server). The server, told to stop with its parent, stops anyway.
   * Its output goes to a file: a pipe to this JVM would be closed once the shell is gone.
   */
  @Test
  void aServerToldToStopWithItsParentStopsWhenTheParentIsKilled(@TempDir Path dir)
      throws Exception {
    Path sh = Path.of("/bin/sh");
    assumeTrue(Files.isExecutable(sh), "needs /bin/sh to play the parent process");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(sh.toString(), "-c", "\"$@\"; exit $?", "sh"));
    command.addAll(ExampleProcess.java(List.of("-D" + ParentWatch.PROPERTY + "=true"),
        EchoServer.class, "--port", "" + port));
    Path output = dir.resolve("server.out");
    Process parent = new ProcessBuilder(command).redirectOutput(output.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    List<ProcessHandle> servers = new ArrayList<>();
    try {
      awaitServing(port);
      servers.addAll(parent.toHandle().children().toList());
      assertThat(servers).as("the server, the shell's child").hasSize(1);

      parent.destroyForcibly();

      assertThat(servers.get(0).onExit().get(ExampleProcess.WAIT_SECONDS, TimeUnit.SECONDS)
          .isAlive()).isFalse();
      assertThat(Files.readAllLines(output)).containsExactly(
          "echo server listening on port " + port,
          "echo server: the process that started it (pid " + parent.pid()
              + ") has ended, so it stops too",
          stoppingLine("echo"),
          "echo server stopped");
    } finally {
      parent.destroyForcibly();
      servers.forEach(ProcessHandle::destroyForcibly);
    }
  }

  /** Waits for a health check on {@code port} to say SERVING. */
  private static void awaitServing(int port) throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", port, InsecureChannelCredentials.create()).build();
    try {
      HealthCheckResponse response = BlockingClientCalls.unary(channel, HealthGrpc.getCheckMethod(),
          CallOptions.DEFAULT.withWaitForReady()
              .withDeadlineAfter(ExampleProcess.WAIT_SECONDS, TimeUnit.SECONDS),
          HealthCheckRequest.getDefaultInstance());
      assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void assertStopsSayingSo(Class<?> main) throws Exception {
    String name = main.getSimpleName().replace("Server", "").toLowerCase(Locale.ROOT);
    try (ExampleProcess server = ExampleProcess.start(main, "--port", "0")) {
      server.awaitLine(line -> line.startsWith(name + " server listening on port "));

      server.stop(); // SIGTERM, to the server's own process

      assertThat(server.remainingLines())
          .containsExactly(stoppingLine(name), name + " server stopped");
      assertThat(server.awaitExit()).isEqualTo(128 + 15);
    }
  }

  private static String stoppingLine(String name) {
    return name + " server stopping: calls in flight get " + ExampleServer.GRACE_SECONDS
        + " s to finish";
  }
}
