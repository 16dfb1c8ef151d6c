package dev.grpcloop.chat;

import static dev.grpcloop.chat.ChatUser.joinedEvent;
import static dev.grpcloop.chat.ChatUser.leftEvent;
import static dev.grpcloop.chat.ChatUser.said;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.serving.ExampleClient;
import dev.grpcloop.serving.ExampleProcess;
import dev.grpcloop.serving.PrintedLines;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The terminal client, run as a user runs it: its own JVM, lines typed on standard input. */
@Timeout(90)
class ChatClientTest {
  private ChatTestServer room;
  private ChatUser alice;

  @BeforeEach
  void start() throws Exception {
    room = new ChatTestServer(ChatService.DEFAULT_OUTBOX_CAPACITY);
    alice = room.join("alice");
  }

  @AfterEach
  void stop() throws Exception {
    room.close();
  }

  private ExampleProcess startClient(String name) throws Exception {
    return ExampleProcess.start(ChatClient.class,
        "--host", "127.0.0.1", "--port", "" + room.port(), "--name", name);
  }

  @Test
  void typedLinesGoOutIncomingLinesPrintAndQuitLeavesCleanly() throws Exception {
    try (ExampleProcess zed = startClient("zed")) {
      zed.awaitLine(line -> line.contains("* you are zed; here: alice"));
      alice.await(joinedEvent("zed"));

      zed.type("hello from zed");
      alice.await(said("zed", "hello from zed"));
      alice.say("hi zed");
      zed.awaitLine(line -> line.matches("\\[\\d\\d:\\d\\d:\\d\\d] alice: hi zed"));

      zed.type(""); // skipped quietly
      zed.type("z".repeat(ChatRules.MAX_TEXT_LENGTH + 1)); // refused before it is sent
      zed.awaitLine(line -> line.equals(
          "* not sent: the line has 1001 characters; the limit is 1000"));
      zed.type("still connected");
      assertThat(alice.next()).matches(said("zed", "still connected"));

      zed.type(ChatClient.QUIT);
      assertThat(alice.await(leftEvent("zed")).getLeft().getReason()).isEmpty();
      assertThat(zed.remainingLines()).containsExactly("* you left the room");
      assertThat(zed.awaitExit()).isZero();
    }
  }

  @Test
  void endOfInputLeavesCleanlyToo() throws Exception {
    try (ExampleProcess zed = startClient("zed")) {
      alice.await(joinedEvent("zed"));
      zed.endInput();
      assertThat(alice.await(leftEvent("zed")).getLeft().getReason()).isEmpty();
      assertThat(zed.awaitExit()).isZero();
    }
  }

  @Test
  void aKilledClientIsAnnouncedAsLeftAndTheRoomCarriesOn() throws Exception {
    ChatUser bob = room.join("bob");
    try (ExampleProcess zed = startClient("zed")) {
      alice.await(joinedEvent("zed"));
      zed.type("about to be killed");
      alice.await(said("zed", "about to be killed"));

      zed.kill(); // SIGKILL: no shutdown hook runs, the connection just drops

      assertThat(alice.await(leftEvent("zed")).getLeft().getReason()).isEqualTo("connection lost");
      bob.await(leftEvent("zed"));
      alice.say("zed is gone");
      bob.await(said("alice", "zed is gone"));
    }
  }

  @Test
  void aStoppedClientCancelsItsCallAndIsAnnouncedAsLeft() throws Exception {
    try (ExampleProcess zed = startClient("zed")) {
      zed.awaitLine(line -> line.contains("* you are zed"));
      alice.await(joinedEvent("zed"));

      zed.stop(); // SIGTERM, like Ctrl-C: the shutdown hook cancels the stream

      assertThat(alice.await(leftEvent("zed")).getLeft().getReason()).isEqualTo("connection lost");
      assertThat(zed.awaitExit()).isNotZero();
      assertThat(room.log).contains("zed left (connection lost)");
    }
  }

  @Test
  void aClientSentAwayByTheServersStopSaysWhyAndExitsOne() throws Exception {
    try (ExampleProcess zed = startClient("zed")) {
      zed.awaitLine(line -> line.contains("* you are zed"));
      alice.await(joinedEvent("zed"));

      room.beginStop();

      List<String> lines = zed.remainingLines();
      assertThat(lines).last().isEqualTo("* disconnected: UNAVAILABLE: the server is stopping");
      assertThat(lines).filteredOn(line -> line.contains(" left"))
          .allMatch(line -> line.endsWith("* alice left (server stopping)"));
      assertThat(zed.awaitExit()).isEqualTo(1);
    }
  }

  @Test
  void aTakenNameIsRefusedWithAClearMessage() throws Exception {
    try (ExampleProcess impostor = startClient("alice")) {
      assertThat(impostor.remainingLines()).containsExactly(
          "* disconnected: ALREADY_EXISTS: the name alice is taken in this room: pick another");
      assertThat(impostor.awaitExit()).isEqualTo(1);
    }
    assertThat(alice.drain()).isEmpty();
  }

  @Test
  void itsExitCodeSaysHowItWent() throws Exception {
    String port = "" + room.port();
    PrintedLines out = new PrintedLines();
    PrintedLines err = new PrintedLines();
    assertThat(ChatClient.run(new String[] {"--port", port, "--name", "yan"},
        typed("hello from yan", ChatClient.QUIT), out.stream, err.stream, onStop -> {}))
        .isEqualTo(ExampleClient.OK);
    alice.await(said("yan", "hello from yan"));
    assertThat(out.lines()).last().isEqualTo("* you left the room");

    PrintedLines taken = new PrintedLines();
    assertThat(ChatClient.run(new String[] {"--port", port, "--name", "alice"},
        typed(), taken.stream, err.stream, onStop -> {})).isEqualTo(ExampleClient.CALL_FAILED);
    assertThat(taken.lines()).containsExactly(
        "* disconnected: ALREADY_EXISTS: the name alice is taken in this room: pick another");

    PrintedLines nobody = new PrintedLines();
    assertThat(ChatClient.run(new String[] {"--port", "" + PrintedLines.freePort(), "--name", "z"},
        typed(), nobody.stream, err.stream, onStop -> {})).isEqualTo(ExampleClient.CALL_FAILED);
    assertThat(nobody.lines()).singleElement().asString()
        .startsWith("* disconnected: UNAVAILABLE: io exception (");
    assertThat(err.lines()).isEmpty();

    PrintedLines bad = new PrintedLines();
    assertThat(ChatClient.run(new String[] {"--port", port}, typed(), out.stream, bad.stream,
        onStop -> {})).isEqualTo(ExampleClient.BAD_OPTIONS);
    assertThat(bad.lines()).first()
        .isEqualTo("chat client: --name is required: the name others see you by");
  }

  private static InputStream typed(String... lines) {
    return new ByteArrayInputStream(
        String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
  }
}
