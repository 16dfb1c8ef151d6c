package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.echo.EchoServer;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An example server that cannot start says so and exits non-zero, rather than a stack trace. */
@Timeout(60)
class ServerStartTest {
  @Test
  void unknownOptionsExitWithCodeTwo() throws Exception {
    try (ExampleProcess server = ExampleProcess.start(EchoServer.class, "--prot", "1")) {
      assertThat(server.remainingLines()).isEmpty();
      assertThat(server.awaitExit()).isEqualTo(ExampleServer.BAD_OPTIONS);
    }
  }

  @Test
  void aCertificateWithoutItsKeyExitsWithCodeTwo() throws Exception {
    try (ExampleProcess server =
        ExampleProcess.start(EchoServer.class, "--port", "0", "--tls-cert", "cert.pem")) {
      assertThat(server.remainingLines()).isEmpty();
      assertThat(server.awaitExit()).isEqualTo(ExampleServer.BAD_OPTIONS);
    }
  }

  @Test
  void aTakenPortExitsWithCodeOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0);
        ExampleProcess server =
            ExampleProcess.start(EchoServer.class, "--port", "" + taken.getLocalPort())) {
      assertThat(server.remainingLines()).isEmpty();
      assertThat(server.awaitExit()).isEqualTo(ExampleServer.CANNOT_START);
    }
  }
}
