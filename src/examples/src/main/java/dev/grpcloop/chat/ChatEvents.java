package dev.grpcloop.chat;

import com.google.protobuf.Timestamp;
import dev.grpcloop.chat.proto.Joined;
import dev.grpcloop.chat.proto.Left;
import dev.grpcloop.chat.proto.Said;
import dev.grpcloop.chat.proto.ServerMessage;
import dev.grpcloop.chat.proto.Welcome;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Builds the room's events, each stamped with the server's clock at the moment it is built. */
final class ChatEvents {
  private final Clock clock;

  ChatEvents(Clock clock) {
    this.clock = clock;
  }

  ServerMessage welcome(String name, List<String> members) {
    return stamped().setWelcome(Welcome.newBuilder().setName(name).addAllMembers(members)).build();
  }

  ServerMessage said(String name, String text) {
    return stamped().setSaid(Said.newBuilder().setName(name).setText(text)).build();
  }

  ServerMessage joined(String name) {
    return stamped().setJoined(Joined.newBuilder().setName(name)).build();
  }

  ServerMessage left(String name, String reason) {
    return stamped().setLeft(Left.newBuilder().setName(name).setReason(reason)).build();
  }

  private ServerMessage.Builder stamped() {
    Instant now = clock.instant();
    return ServerMessage.newBuilder().setTime(
        Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
  }
}
