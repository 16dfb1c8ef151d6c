package dev.grpcloop.echo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.serving.ExampleClient;
import dev.grpcloop.serving.ExampleProcess;
import dev.grpcloop.serving.ExampleServer;
import dev.grpcloop.serving.PrintedLines;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EchoClientTest {
  private Server server;

  @BeforeEach
  void start() throws Exception {
    server = ExampleServer.start(0, new EchoService());
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void printsTheEchoOfEveryLineInOrder() throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try {
      EchoClient.echo(channel, new BufferedReader(new StringReader("one\n\ntwo three\nfour")),
          new PrintStream(printed, true, StandardCharsets.UTF_8));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("received: one", "received: ", "received: two three", "received: four");
  }

  @Test
  void sendsItsArgumentsAsLines() throws Exception {
    try (ExampleProcess client = ExampleProcess.start(EchoClient.class,
        "--port", "" + server.getPort(), "hello", "two words")) {
      assertThat(client.remainingLines()).containsExactly("received: hello", "received: two words");
      assertThat(client.awaitExit()).isZero();
    }
  }

  @Test
  void withoutArgumentsEchoesEachTypedLineAsItIsTyped() throws Exception {
    try (ExampleProcess client = ExampleProcess.start(EchoClient.class,
        "--port=" + server.getPort())) {
      // Each echo comes back before the next line is typed: the client does not wait for the end.
      client.type("first");
      client.awaitLine(line -> line.equals("received: first"));
      client.type("second");
      client.awaitLine(line -> line.equals("received: second"));
      client.endInput();
      assertThat(client.remainingLines()).isEmpty();
      assertThat(client.awaitExit()).isZero();
    }
  }

  @Test
  void failsWithExitCodeOneWhenNoServerListens() throws Exception {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    try (ExampleProcess client = ExampleProcess.start(EchoClient.class,
        "--port", "" + freePort, "anyone?")) {
      assertThat(client.remainingLines()).isEmpty();
      assertThat(client.awaitExit()).isEqualTo(1);
    }
  }

  @Test
  void itsExitCodeSaysHowItWent() throws Exception {
    InputStream nothing = InputStream.nullInputStream();
    PrintedLines out = new PrintedLines();
    PrintedLines err = new PrintedLines();
    assertThat(EchoClient.run(new String[] {"--port", "" + server.getPort(), "hi"},
        nothing, out.stream, err.stream)).isEqualTo(ExampleClient.OK);
    assertThat(out.lines()).containsExactly("received: hi");
    assertThat(err.lines()).isEmpty();

    PrintedLines failed = new PrintedLines();
    assertThat(EchoClient.run(new String[] {"--port", "" + PrintedLines.freePort(), "hi"},
        nothing, out.stream, failed.stream)).isEqualTo(ExampleClient.CALL_FAILED);
    assertThat(failed.lines()).singleElement().asString()
        .startsWith("echo client: the call failed: UNAVAILABLE: io exception (")
        .contains("Connection refused");

    PrintedLines bad = new PrintedLines();
    assertThat(EchoClient.run(new String[] {"--prot", "1"}, nothing, out.stream, bad.stream))
        .isEqualTo(ExampleClient.BAD_OPTIONS);
    assertThat(bad.lines()).hasSize(2).first().asString()
        .startsWith("echo client: unknown option --prot");
  }
}
