package dev.grpcloop.chat;

import static dev.grpcloop.chat.ChatUser.joinedEvent;
import static dev.grpcloop.chat.ChatUser.leftEvent;
import static dev.grpcloop.chat.ChatUser.said;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.chat.proto.ClientMessage;
import io.grpc.Status;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each kind of bad input ends the offender's call with a clear status; the room carries on. */
@Timeout(60)
class ChatBadInputTest {
  private ChatTestServer room;
  private ChatUser alice;
  private ChatUser bob;

  @BeforeEach
  void start() throws Exception {
    room = new ChatTestServer(ChatService.DEFAULT_OUTBOX_CAPACITY);
    alice = room.join("alice");
    bob = room.join("bob");
    alice.await(joinedEvent("bob"));
  }

  @AfterEach
  void stop() throws Exception {
    room.close();
  }

  /** Alice and Bob still hear each other. */
  private void assertTheRoomCarriesOn() throws InterruptedException {
    alice.say("still talking");
    bob.await(said("alice", "still talking"));
    bob.say("me too");
    alice.await(said("bob", "me too"));
  }

  static Stream<Arguments> badLines() {
    return Stream.of(
        Arguments.of("empty text", ChatUser.text(""),
            Status.Code.INVALID_ARGUMENT, "empty message: send some text"),
        Arguments.of("blank text", ChatUser.text(" \t "),
            Status.Code.INVALID_ARGUMENT, "empty message: send some text"),
        Arguments.of("no kind at all", ClientMessage.getDefaultInstance(),
            Status.Code.INVALID_ARGUMENT, "empty message: it has neither join nor text"),
        Arguments.of("text over the limit",
            ChatUser.text("y".repeat(ChatRules.MAX_TEXT_LENGTH + 1)),
            Status.Code.INVALID_ARGUMENT, "message too long: 1001 characters, the limit is 1000"),
        Arguments.of("a second join", ChatUser.join("carol2"),
            Status.Code.FAILED_PRECONDITION, "you have already joined: send text"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badLines")
  void aBadLineAfterJoiningEndsThatCallAndIsAnnounced(
      String what, ClientMessage bad, Status.Code code, String description) throws Exception {
    ChatUser carol = room.join("carol");
    alice.await(joinedEvent("carol"));
    bob.await(joinedEvent("carol"));

    carol.send(bad);

    Status end = carol.awaitEnd();
    assertThat(end.getCode()).isEqualTo(code);
    assertThat(end.getDescription()).isEqualTo(description);
    assertThat(alice.await(leftEvent("carol")).getLeft().getReason()).isEqualTo("bad input");
    bob.await(leftEvent("carol"));
    assertTheRoomCarriesOn();
  }

  @Test
  void aLineAtTheLimitIsFineEvenInCharactersOutsideTheBmp() throws Exception {
    String longest = "\uD83D\uDE00".repeat(ChatRules.MAX_TEXT_LENGTH); // 1000 emoji, 2000 chars
    alice.say(longest);
    bob.await(said("alice", longest));
  }

  static Stream<Arguments> badFirstMessages() {
    return Stream.of(
        Arguments.of("text before a join", ChatUser.text("hello?"),
            Status.Code.FAILED_PRECONDITION,
            "the first message must be a join with your name, not text"),
        Arguments.of("an empty first message", ClientMessage.getDefaultInstance(),
            Status.Code.FAILED_PRECONDITION,
            "the first message must be a join with your name, not an empty message"),
        Arguments.of("an empty name", ChatUser.join(""),
            Status.Code.INVALID_ARGUMENT,
            "a name is 1 to 32 letters, digits, '_', '-' or '.', not \"\""),
        Arguments.of("a name with a space", ChatUser.join("mister x"),
            Status.Code.INVALID_ARGUMENT,
            "a name is 1 to 32 letters, digits, '_', '-' or '.', not \"mister x\""),
        Arguments.of("a name too long", ChatUser.join("n".repeat(33)),
            Status.Code.INVALID_ARGUMENT,
            "a name is 1 to 32 letters, digits, '_', '-' or '.', not \"" + "n".repeat(33) + "\""),
        Arguments.of("a duplicate name", ChatUser.join("alice"),
            Status.Code.ALREADY_EXISTS, "the name alice is taken in this room: pick another"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFirstMessages")
  void aBadFirstMessageEndsThatCallAndNobodyIsDisturbed(
      String what, ClientMessage first, Status.Code code, String description) throws Exception {
    ChatUser stranger = room.connect("stranger").startReceiving();

    stranger.send(first);

    Status end = stranger.awaitEnd();
    assertThat(end.getCode()).isEqualTo(code);
    assertThat(end.getDescription()).isEqualTo(description);
    assertThat(stranger.drain()).as("a user who never joined hears nothing").isEmpty();
    assertTheRoomCarriesOn();
    assertThat(alice.drain()).as("no join or leave was announced").isEmpty();
  }

  @Test
  void hangingUpBeforeJoiningEndsTheCallQuietly() throws Exception {
    ChatUser shy = room.connect("shy").startReceiving();
    shy.stream.closeSend();
    assertThat(shy.awaitEnd()).isEqualTo(Status.OK);
    assertTheRoomCarriesOn();
    assertThat(alice.drain()).isEmpty();
  }
}
