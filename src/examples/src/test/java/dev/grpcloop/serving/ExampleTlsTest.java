package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples' TLS options with a self-signed certificate: a client that trusts it talks to the
 * server; one that speaks plaintext, or trusts another certificate, cannot.
 */
@Timeout(60)
class ExampleTlsTest {
  @TempDir static Path dir;
  private static TestCertificate server;
  private static TestCertificate stranger;

  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server echo;

  @BeforeAll
  static void certificates() throws Exception {
    server = TestCertificate.create(dir, "server");
    stranger = TestCertificate.create(dir, "stranger");
  }

  @BeforeEach
  void start() throws Exception {
    CommandLine flags = CommandLine.parse(new String[] {
        "--tls-cert", server.cert().toString(), "--tls-key", server.key().toString()},
        ExampleServer.OPTIONS);
    echo = ExampleServer.start(0, ExampleTls.serverCredentials(flags), builder -> {},
        new HealthStatusManager(), new EchoService());
  }

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    echo.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aClientThatTrustsTheCertificateIsServed() throws Exception {
    for (String host : List.of("localhost", "127.0.0.1")) { // both are in the certificate
      assertThat(echo(channel("--host", host, "--tls-ca", server.cert().toString())))
          .as(host).isEqualTo("private hello");
    }
  }

  @Test
  void aPlaintextClientIsNotServed() {
    StatusException refused = catchThrowableOfType(StatusException.class, () -> echo(channel()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aClientThatTrustsAnotherCertificateRefusesTheServer() {
    StatusException refused = catchThrowableOfType(StatusException.class,
        () -> echo(channel("--tls-ca", stranger.cert().toString())));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(ExampleClient.describe(refused.getStatus()))
        .as("what the client tells its user").containsIgnoringCase("certif");
  }

  @Test
  void badTlsOptionsAreRefusedWithAMessageForTheUser() {
    assertThatThrownBy(() -> ExampleTls.serverCredentials(CommandLine.parse(
        new String[] {"--tls-cert", server.cert().toString()}, ExampleServer.OPTIONS)))
        .hasMessage("--tls-cert and --tls-key go together: a certificate and its private key");
    String missing = dir.resolve("missing.pem").toString();
    assertThatThrownBy(() -> ExampleTls.serverCredentials(CommandLine.parse(
        new String[] {"--tls-cert", missing, "--tls-key", missing}, ExampleServer.OPTIONS)))
        .hasMessageStartingWith("cannot read the TLS files: ").hasMessageContaining(missing);
    assertThatThrownBy(() -> ExampleClient.channel(
        CommandLine.parse(new String[] {"--tls-ca", missing}, ExampleClient.OPTIONS)))
        .hasMessageStartingWith("cannot read --tls-ca " + missing);
  }

  private ManagedChannel channel(String... args) {
    List<String> all = new ArrayList<>(List.of("--port", "" + echo.getPort()));
    all.addAll(List.of(args));
    ManagedChannel channel = ExampleClient.channel(
        CommandLine.parse(all.toArray(String[]::new), ExampleClient.OPTIONS));
    channels.add(channel);
    return channel;
  }

  private static String echo(ManagedChannel channel) throws Exception {
    try (ClientStream<Message, Message> stream = EchoServiceLoop.newStub(channel).echoStream()) {
      stream.send(Message.newBuilder().setText("private hello").build());
      Message reply = stream.recv();
      stream.closeSend();
      return reply.getText();
    }
  }
}
