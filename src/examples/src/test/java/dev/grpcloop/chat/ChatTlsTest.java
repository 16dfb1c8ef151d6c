package dev.grpcloop.chat;

import static dev.grpcloop.chat.ChatUser.joinedEvent;
import static dev.grpcloop.chat.ChatUser.said;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.serving.CommandLine;
import dev.grpcloop.serving.ExampleClient;
import dev.grpcloop.serving.ExampleProcess;
import dev.grpcloop.serving.TestCertificate;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat room over TLS, as on machines apart: the server and a terminal client each in a JVM of
 * their own with the TLS options, a self-signed certificate the test makes, and a member in this
 * JVM on a channel that trusts it.
 */
@Timeout(90)
class ChatTlsTest {
  @Test
  void theRoomWorksOverTlsWithASelfSignedCertificate(@TempDir Path dir) throws Exception {
    TestCertificate certificate = TestCertificate.create(dir, "chat");
    String ca = certificate.cert().toString();
    try (ExampleProcess server = ExampleProcess.start(ChatServer.class, "--port", "0",
        "--tls-cert", certificate.cert().toString(), "--tls-key", certificate.key().toString())) {
      String listening = server.awaitLine(line -> line.startsWith("chat server listening on "));
      assertThat(listening).endsWith(" (TLS)");
      String port = listening.split(" ")[5];
      ManagedChannel channel = ExampleClient.channel(CommandLine.parse(
          new String[] {"--port", port, "--tls-ca", ca}, ExampleClient.OPTIONS));
      try (ChatUser alice = ChatUser.joined(channel, "alice");
          ExampleProcess zed = ExampleProcess.start(ChatClient.class,
              "--host", "localhost", "--port", port, "--tls-ca", ca, "--name", "zed")) {
        zed.awaitLine(line -> line.contains("* you are zed; here: alice"));
        alice.await(joinedEvent("zed"));
        zed.type("hello over TLS");
        alice.await(said("zed", "hello over TLS"));
        alice.say("private, too");
        zed.awaitLine(line -> line.endsWith("alice: private, too"));
        zed.type(ChatClient.QUIT);
        assertThat(zed.awaitExit()).isZero();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
