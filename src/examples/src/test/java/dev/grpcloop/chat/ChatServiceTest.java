package dev.grpcloop.chat;

import static dev.grpcloop.chat.ChatUser.joinedEvent;
import static dev.grpcloop.chat.ChatUser.leftEvent;
import static dev.grpcloop.chat.ChatUser.said;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Timestamp;
import dev.grpcloop.chat.proto.ServerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ChatServiceTest {
  static final int OUTBOX = 8;

  private ChatTestServer room;

  @BeforeEach
  void start() throws Exception {
    room = new ChatTestServer(OUTBOX);
  }

  @AfterEach
  void stop() throws Exception {
    room.close();
  }

  private ChatUser join(String name) throws InterruptedException {
    return room.join(name);
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  @Test
  void threeUsersHearEachOtherWithNamesAndServerTimes() throws Exception {
    ChatUser alice = join("alice");
    ChatUser bob = join("bob");
    assertThat(alice.next()).matches(joinedEvent("bob"));
    ChatUser carol = join("carol");
    assertThat(alice.next()).matches(joinedEvent("carol"));
    assertThat(bob.next()).matches(joinedEvent("carol"));

    Instant before = Instant.now();
    alice.say("hi from alice");
    bob.say("hi from bob");
    carol.say("hi from carol");
    // Each hears the two others, in some order, and never themselves.
    for (ChatUser user : List.of(alice, bob, carol)) {
      List<ServerMessage> heard = List.of(user.next(), user.next());
      assertThat(heard).allMatch(ServerMessage::hasSaid);
      assertThat(heard).extracting(m -> m.getSaid().getName())
          .containsExactlyInAnyOrderElementsOf(
              List.of("alice", "bob", "carol").stream().filter(n -> !n.equals(user.name)).toList());
      assertThat(heard)
          .allMatch(m -> m.getSaid().getText().equals("hi from " + m.getSaid().getName()));
      assertThat(heard).extracting(m -> instant(m.getTime()))
          .allMatch(t -> !t.isBefore(before) && !t.isAfter(Instant.now()));
    }

    // A late joiner is welcomed with the names already in the room.
    ChatUser dave = room.connect("dave").startReceiving();
    dave.send(ChatUser.join("dave"));
    ServerMessage welcome = dave.next();
    assertThat(welcome.getWelcome().getName()).isEqualTo("dave");
    assertThat(welcome.getWelcome().getMembersList()).containsExactly("alice", "bob", "carol");
    // Had the room echoed Alice's own line, it would be queued before this.
    assertThat(alice.next()).matches(joinedEvent("dave"));
  }

  @Test
  void aCleanLeaveIsAnnouncedAndEndsTheCallOk() throws Exception {
    ChatUser alice = join("alice");
    ChatUser bob = join("bob");
    alice.await(joinedEvent("bob"));
    alice.say("bye bob");
    bob.await(said("alice", "bye bob"));

    bob.stream.closeSend();

    assertThat(bob.awaitEnd()).isEqualTo(Status.OK);
    ServerMessage left = alice.await(leftEvent("bob"));
    assertThat(left.getLeft().getReason()).isEmpty();
    room.awaitHandlerThreadsEnded(1);
    // The name is free again.
    ChatUser bobAgain = join("bob");
    assertThat(alice.next()).matches(joinedEvent("bob"));
    bobAgain.say("back");
    assertThat(alice.next()).matches(said("bob", "back"));
  }

  @Test
  void aClientThatCancelsMidStreamIsAnnouncedAsLeft() throws Exception {
    ChatUser alice = join("alice");
    ChatUser bob = join("bob");
    alice.await(joinedEvent("bob"));
    bob.say("about to vanish");
    alice.await(said("bob", "about to vanish"));

    bob.stream.cancel("gone", null);

    assertThat(alice.await(leftEvent("bob")).getLeft().getReason()).isEqualTo("connection lost");
    room.awaitHandlerThreadsEnded(1);
  }

  @Test
  void aClientWhoseConnectionDropsIsAnnouncedAsLeftAndTheRoomCarriesOn() throws Exception {
    ChatUser alice = join("alice");
    ChatUser bob = join("bob");
    ManagedChannel carolsChannel = room.newChannel();
    ChatUser.joined(carolsChannel, "carol");
    alice.await(joinedEvent("carol"));
    bob.await(joinedEvent("carol"));

    carolsChannel.shutdownNow(); // the connection goes, as when a process is killed

    assertThat(alice.await(leftEvent("carol")).getLeft().getReason()).isEqualTo("connection lost");
    bob.await(leftEvent("carol"));
    alice.say("still here?");
    bob.await(said("alice", "still here?"));
  }

  @Test
  void aSlowReaderIsDisconnectedAndNobodyWaitsForThem() throws Exception {
    ChatUser alice = join("alice"); // talks
    ChatUser bob = join("bob"); // reads everything promptly
    ChatUser carol = room.connect("carol"); // joins, then never reads
    carol.send(ChatUser.join("carol"));
    alice.await(joinedEvent("carol"));
    bob.await(joinedEvent("carol"));

    // Alice talks, one line at a time: each is out once Bob has it, so Bob is never behind.
    // Carol's buffers fill (her transport's window, then her outbox), and the room drops her.
    String padding = "x".repeat(900);
    int sent = 0;
    ServerMessage carolLeft = null;
    while (carolLeft == null) {
      assertThat(sent).as("lines sent before Carol was dropped").isLessThan(50_000);
      String line = sent++ + " " + padding;
      alice.say(line);
      for (ServerMessage m = bob.next(); !said("alice", line).test(m); m = bob.next()) {
        if (leftEvent("carol").test(m)) {
          carolLeft = m;
        }
      }
    }
    assertThat(carolLeft.getLeft().getReason()).isEqualTo("too slow");
    assertThat(alice.await(leftEvent("carol")).getLeft().getReason()).isEqualTo("too slow");

    // The room carries on.
    bob.say("carol is gone");
    alice.await(said("bob", "carol is gone"));

    // Carol, reading at last, gets what was sent before she fell behind, in order, then the status.
    carol.startReceiving();
    assertThat(carol.next().hasWelcome()).isTrue();
    Status end = carol.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(end.getDescription()).isEqualTo("too slow: you fell " + OUTBOX + " messages behind");
    List<String> lines = carol.drain().stream()
        .filter(ServerMessage::hasSaid).map(m -> m.getSaid().getText()).toList();
    assertThat(lines).isNotEmpty().hasSizeLessThan(sent);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).startsWith(i + " ");
    }
    room.awaitHandlerThreadsEnded(1);
  }

  @Test
  void noOutboxThreadOutlivesItsCall() throws Exception {
    ChatUser alice = join("alice");
    ChatUser bob = join("bob");
    ChatUser carol = join("carol");
    alice.say("hello");
    bob.await(said("alice", "hello"));
    carol.await(said("alice", "hello"));

    alice.stream.closeSend();
    bob.stream.cancel("gone", null);
    carol.send(ChatUser.text("")); // bad input

    assertThat(alice.awaitEnd()).isEqualTo(Status.OK);
    assertThat(carol.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(room.handlerThreads).hasSize(3);
    room.awaitHandlerThreadsEnded(3);
  }

  @Test
  void theServersStopSendsEveryoneAwaySayingWhy() throws Exception {
    ChatUser alice = join("alice");
    ChatUser bob = join("bob");
    alice.await(joinedEvent("bob"));

    room.beginStop();

    for (ChatUser user : List.of(alice, bob)) {
      Status end = user.awaitEnd();
      assertThat(end.getCode()).as(user.name).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(end.getDescription()).as(user.name).isEqualTo("the server is stopping");
      // Whoever saw the other leave saw why; nobody's leave reads "connection lost".
      assertThat(user.drain()).filteredOn(ServerMessage::hasLeft).allSatisfy(m ->
          assertThat(m.getLeft().getReason()).isEqualTo("server stopping"));
    }
    assertThat(room.log).contains("alice left (server stopping)", "bob left (server stopping)");
    room.awaitHandlerThreadsEnded(2);
    assertThat(room.server.awaitTermination(5, TimeUnit.SECONDS))
        .as("no call outlasts the stop: nothing left for the grace period to cancel").isTrue();
  }

  @Test
  void aRoomThatIsStoppingTakesNoMoreJoins() {
    Room stopping = new Room(OUTBOX, new ChatEvents(Clock.systemUTC()), line -> {});
    stopping.stop();
    StatusException refused = catchThrowableOfType(StatusException.class,
        () -> stopping.join("late", Thread.currentThread()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(stopping.names()).isEmpty();
  }
}
