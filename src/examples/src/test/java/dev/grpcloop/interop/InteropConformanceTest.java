package dev.grpcloop.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.serving.EventLoopServer;
import dev.grpcloop.serving.ExampleServer;
import io.grpc.Server;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The official gRPC interop client ({@code io.grpc.testing.integration.TestServiceClient} from
 * grpc-interop-testing 1.79.0) against {@link InteropService} on loopback, one client JVM per test
 * case. The client runs on its own classpath, {@code target/interop-client}, which the build fills
 * (see src/it/interop-client/pom.xml); it exits 0 when its case passes. Every case runs against
 * two servers: {@link InteropServer#start} and {@link InteropServer#startOnEventLoops}, the
 * handlers on the event loops.
 */
@Timeout(30) // starting and stopping the server; each case has a timeout of its own
class InteropConformanceTest {

  /** How long one client JVM may take: a start, one case, a stop. */
  private static final long CASE_TIMEOUT_SECONDS = 60;

  /** The two servers every case runs against. */
  enum Mode { DEFAULT, EVENT_LOOP }

  /** The 19 cases of the official client that apply to a plaintext server. */
  private static final List<String> CASES = List.of(
      "empty_unary",
      "large_unary",
      "client_streaming",
      "server_streaming",
      "ping_pong",
      "empty_stream",
      "custom_metadata",
      "status_code_and_message",
      "special_status_message",
      "unimplemented_method",
      "unimplemented_service",
      "cancel_after_begin",
      "cancel_after_first_response",
      "timeout_on_sleeping_server",
      "very_large_request",
      "client_compressed_unary_noprobe",
      "server_compressed_unary",
      "client_compressed_streaming_noprobe",
      "server_compressed_streaming");

  /** Each mode's server, started by its first case. */
  private static final Map<Mode, Server> servers = new EnumMap<>(Mode.class);

  static Stream<Arguments> cases() {
    return Stream.of(Mode.values())
        .flatMap(mode -> CASES.stream().map(testCase -> Arguments.of(testCase, mode)));
  }

  private static Server server(Mode mode) throws IOException {
    Server server = servers.get(mode);
    if (server == null) {
      server = mode == Mode.DEFAULT ? InteropServer.start(0) : InteropServer.startOnEventLoops(0);
      servers.put(mode, server);
      if (server instanceof EventLoopServer loops) {
        assertThat(loops.handlersOnEventLoops()).as("the event-loop mode is on, not fallen back")
            .isTrue();
      }
    }
    return server;
  }

  @AfterAll
  static void stopServers() {
    servers.values().forEach(ExampleServer::stopGracefully);
    servers.clear();
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("cases")
  @Timeout(CASE_TIMEOUT_SECONDS + 10)
  void officialClientPasses(String testCase, Mode mode, @TempDir Path scratch) throws Exception {
    Path output = scratch.resolve("client-output.txt");
    Process client = new ProcessBuilder(clientCommand(testCase, server(mode).getPort()))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    boolean exited;
    try {
      exited = client.waitFor(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } finally {
      // Never leave a client JVM behind, whatever ended the wait (a timeout, an interrupt).
      if (client.isAlive()) {
        client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    String printed = Files.readString(output, StandardCharsets.UTF_8);

    assertThat(exited)
        .as("the interop client finished %s within %d s; it printed:%n%s",
            testCase, CASE_TIMEOUT_SECONDS, printed)
        .isTrue();
    assertThat(client.exitValue())
        .as("exit code of the interop client for %s; it printed:%n%s", testCase, printed)
        .isZero();
  }

  private static List<String> clientCommand(String testCase, int port) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path jars = clientDirectory();
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 23) {
      // The client's netty 4.1 uses sun.misc.Unsafe: keep the JDK's warnings out of its output.
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(List.of(
        "-cp", jars.resolve("*").toString(),
        "io.grpc.testing.integration.TestServiceClient",
        "--server_host=127.0.0.1",
        "--server_port=" + port,
        "--use_tls=false",
        "--test_case=" + testCase));
    return command;
  }

  /** The folder holding the interop client's jars, as the build passed it. */
  private static Path clientDirectory() throws IOException {
    String configured = System.getProperty("interop.client.dir");
    Path dir = Path.of(configured != null ? configured : "target/interop-client");
    assertThat(dir).as("the interop client's folder (./mvnw test fills it)").isDirectory();
    try (Stream<Path> jars = Files.list(dir)) {
      assertThat(jars.map(jar -> jar.getFileName().toString()))
          .as("the jars in %s", dir)
          .anyMatch(name -> name.startsWith("grpc-interop-testing-"));
    }
    return dir;
  }
}
