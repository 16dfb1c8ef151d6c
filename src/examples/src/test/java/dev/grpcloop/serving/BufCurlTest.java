package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grpcloop.echo.EchoService;
import dev.grpcloop.numbers.NumbersService;
import io.grpc.Server;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's {@code buf curl} commands, a generic gRPC client that finds the methods through
 * server reflection, run against an example server. Skipped when {@code buf} is not on the PATH,
 * unless the environment variable {@value #REQUIRED} is set (CI sets it, and installs buf).
 */
@Timeout(120)
class BufCurlTest {
  /** Set (to anything) to fail rather than skip when buf is missing. */
  static final String REQUIRED = "GRPCLOOP_REQUIRE_BUF";

  private static final String INSTALL = "npm install -g @bufbuild/buf@1.75.0";

  private static final String MISSING = "buf is not on the PATH, so the README's buf curl"
      + " commands are not checked; to check them: " + INSTALL;

  private static Path buf;
  private static Server server;
  private static String url;

  @BeforeAll
  static void start() throws Exception {
    buf = onPath("buf").orElse(null);
    if (buf == null) {
      System.out.println("BufCurlTest: skipped, " + MISSING); // the reason, where a run shows it
    } else {
      server = ExampleServer.start(0, new EchoService(), new NumbersService());
      url = "http://localhost:" + server.getPort();
    }
  }

  /** Each test is skipped, and counted so, when buf is missing (failed, where CI asks for it). */
  @BeforeEach
  void needsBuf() {
    if (buf == null && System.getenv(REQUIRED) != null) {
      fail("buf is not on the PATH, and " + REQUIRED + " says it must be: " + INSTALL);
    }
    assumeTrue(buf != null, MISSING);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void listsTheServicesThroughReflectionV1() throws Exception {
    assertThat(curl("--list-services", url).lines()).containsExactlyInAnyOrder(
        "echo.EchoService", "numbers.Numbers", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");
  }

  @Test
  void listsTheServicesThroughReflectionV1alphaToo() throws Exception {
    assertThat(curl("--reflect-protocol", "grpc-v1alpha", "--list-services", url).lines())
        .contains("echo.EchoService", "numbers.Numbers");
  }

  @Test
  void checksHealth() throws Exception {
    assertThat(json(curl(url + "/grpc.health.v1.Health/Check"))).isEqualTo("{\"status\":\"SERVING\"}");
    assertThat(json(curl("-d", "{\"service\": \"echo.EchoService\"}",
        url + "/grpc.health.v1.Health/Check"))).isEqualTo("{\"status\":\"SERVING\"}");
  }

  @Test
  void callsEchoStream() throws Exception {
    assertThat(json(curl("-d", "{\"text\": \"hi\"}", url + "/echo.EchoService/EchoStream")))
        .isEqualTo("{\"text\":\"hi\"}");
    assertThat(json(curl("-d", "{\"text\": \"one\"} {\"text\": \"two\"}",
        url + "/echo.EchoService/EchoStream"))).isEqualTo("{\"text\":\"one\"}{\"text\":\"two\"}");
  }

  @Test
  void callsSquare() throws Exception {
    // proto3 JSON writes an int64 as a string.
    assertThat(json(curl("-d", "{\"value\": 7}", url + "/numbers.Numbers/Square")))
        .isEqualTo("{\"value\":\"49\"}");
  }

  /** Runs {@code buf curl} over plaintext HTTP/2 with {@code args}; returns what it printed. */
  private static String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(buf.toString(), "curl", "--protocol", "grpc",
        "--http2-prior-knowledge"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("buf curl ends").isTrue();
    assertThat(process.exitValue()).as("exit code of %s; output: %s", command, output).isZero();
    return output;
  }

  /** JSON output without its whitespace, for comparing. */
  private static String json(String output) {
    return output.replaceAll("\\s", "");
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Arrays.stream(path.split(File.pathSeparator))
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
