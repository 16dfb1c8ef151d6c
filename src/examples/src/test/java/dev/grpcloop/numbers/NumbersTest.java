package dev.grpcloop.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientRecvStream;
import dev.grpcloop.adapter.ClientSendStream;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.numbers.proto.Number;
import dev.grpcloop.numbers.proto.NumbersLoop;
import dev.grpcloop.serving.ExampleClient;
import dev.grpcloop.serving.ExampleServer;
import dev.grpcloop.serving.PrintedLines;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The four kinds, handler and client, over Netty on loopback, as the tutorial shows them. */
@Timeout(60)
class NumbersTest {
  private Server server;
  private ManagedChannel channel;
  private NumbersLoop.Stub numbers;

  @BeforeEach
  void start() throws Exception {
    server = ExampleServer.start(0, new NumbersService());
    channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
    numbers = NumbersLoop.newStub(channel);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void eachKindAnswersAsItsHandlerSays() throws Exception {
    assertThat(NumbersClient.square(numbers, 7)).isEqualTo(49);
    assertThat(NumbersClient.countdown(numbers, 3)).containsExactly(3L, 2L, 1L, 0L);
    assertThat(NumbersClient.sum(numbers, List.of(1L, 2L, 3L, 4L))).isEqualTo(10);
    assertThat(NumbersClient.runningSum(numbers, List.of(1L, 2L, 3L)))
        .containsExactly(1L, 3L, 6L);
  }

  /** The README's four kinds at a glance: each client call's type has only what its kind can do. */
  @Test
  void theFourKindsAtAGlance() throws Exception {
    List<Long> seen = new ArrayList<>();
    // snippet:four-kinds-client
    Number three = Number.newBuilder().setValue(3).build();

    Number nine = numbers.square(three); // unary: the response

    try (ClientRecvStream<Number> countdown = numbers.countdown(three)) { // recv only
      for (Number n; (n = countdown.recv()) != null; ) {
        seen.add(n.getValue());
      }
    }

    try (ClientSendStream<Number, Number> sum = numbers.sum()) { // send, then closeAndRecv
      sum.send(three);
      sum.send(nine);
      seen.add(sum.closeAndRecv().getValue());
    }

    try (ClientStream<Number, Number> running = numbers.runningSum()) { // send, recv, closeSend
      running.send(three);
      seen.add(running.recv().getValue());
      running.closeSend();
      assertThat(running.recv()).isNull(); // the server finished
    }
    // end-snippet

    assertThat(nine.getValue()).isEqualTo(9);
    assertThat(seen).containsExactly(3L, 2L, 1L, 0L, 12L, 3L);
  }

  @Test
  void emptyStreamsAreNotErrors() throws Exception {
    assertThat(NumbersClient.sum(numbers, List.of())).isZero();
    assertThat(NumbersClient.runningSum(numbers, List.of())).isEmpty();
    assertThat(NumbersClient.countdown(numbers, 0)).containsExactly(0L);
  }

  @Test
  void badInputGetsAClearStatusAndTheServerServesOn() throws Exception {
    StatusException e = org.assertj.core.api.Assertions.catchThrowableOfType(
        StatusException.class, () -> NumbersClient.countdown(numbers, -1));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).isEqualTo("count down from 0 to 1000");
    assertThat(NumbersClient.square(numbers, 3)).isEqualTo(9);
  }

  @Test
  void theClientPrintsEachAnswer() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    NumbersClient.printAll(channel, 3, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).containsExactly(
        "square(3) = 9",
        "countdown(3) = [3, 2, 1, 0]",
        "sum[1, 2, 3] = 6",
        "runningSum[1, 2, 3] = [1, 3, 6]");
  }

  @Test
  void theClientsExitCodeSaysHowItWent() throws Exception {
    PrintedLines out = new PrintedLines();
    PrintedLines err = new PrintedLines();
    assertThat(NumbersClient.run(new String[] {"--port", "" + server.getPort(), "3"},
        out.stream, err.stream)).isEqualTo(ExampleClient.OK);
    assertThat(out.lines()).first().isEqualTo("square(3) = 9");
    assertThat(err.lines()).isEmpty();

    PrintedLines failed = new PrintedLines();
    assertThat(NumbersClient.run(new String[] {"--port", "" + PrintedLines.freePort()},
        out.stream, failed.stream)).isEqualTo(ExampleClient.CALL_FAILED);
    assertThat(failed.lines()).singleElement().asString()
        .startsWith("numbers client: the call failed: UNAVAILABLE: io exception (");

    PrintedLines bad = new PrintedLines();
    assertThat(NumbersClient.run(new String[] {"five"}, out.stream, bad.stream))
        .isEqualTo(ExampleClient.BAD_OPTIONS);
    assertThat(bad.lines()).hasSize(2).first().asString().startsWith("numbers client: ");
  }
}
