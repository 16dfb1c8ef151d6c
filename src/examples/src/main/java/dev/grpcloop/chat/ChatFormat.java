package dev.grpcloop.chat;

import com.google.protobuf.Timestamp;
import dev.grpcloop.chat.proto.ServerMessage;
import dev.grpcloop.serving.ExampleClient;
import io.grpc.Status;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How the terminal client shows the room's events: one line each, with the server's time. */
final class ChatFormat {
  private final DateTimeFormatter time;

  /** Shows times in {@code zone}. */
  ChatFormat(ZoneId zone) {
    this.time = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(zone);
  }

  /** One event as a line: {@code [12:00:01] alice: hello}, or {@code [12:00:02] * bob joined}. */
  String line(ServerMessage message) {
    String when = "[" + time.format(instant(message.getTime())) + "] ";
    return when + switch (message.getEventCase()) {
      case WELCOME -> "* you are " + message.getWelcome().getName() + "; "
          + (message.getWelcome().getMembersCount() == 0
              ? "nobody else is here yet"
              : "here: " + String.join(", ", message.getWelcome().getMembersList()))
          + "  (type to talk, /quit to leave)";
      case SAID -> message.getSaid().getName() + ": " + message.getSaid().getText();
      case JOINED -> "* " + message.getJoined().getName() + " joined";
      case LEFT -> "* " + message.getLeft().getName() + " left"
          + (message.getLeft().getReason().isEmpty()
              ? ""
              : " (" + message.getLeft().getReason() + ")");
      case EVENT_NOT_SET -> "* (an event this client does not know)";
    };
  }

  /** How the call ended, for a status other than OK: {@code * disconnected: CODE: why}. */
  static String ended(Status status) {
    return "* disconnected: " + ExampleClient.describe(status);
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
