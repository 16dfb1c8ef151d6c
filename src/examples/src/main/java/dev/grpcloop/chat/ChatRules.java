package dev.grpcloop.chat;

import dev.grpcloop.chat.proto.ClientMessage;
import io.grpc.Status;
import java.util.regex.Pattern;

/**
 * What the room accepts from a user, and the status that says what was wrong when it does not.
 * Each check returns null for good input, so the handler decides what a rejection does.
 */
final class ChatRules {
  private ChatRules() {}

  /** The longest name, in characters. */
  static final int MAX_NAME_LENGTH = 32;

  /** The longest line of chat, in characters (Unicode code points). */
  static final int MAX_TEXT_LENGTH = 1000;

  private static final Pattern NAME =
      Pattern.compile("[\\p{L}\\p{N}_.-]{1," + MAX_NAME_LENGTH + "}");

  /** Checks a user's first message: a join with a well-formed name. */
  static Status checkJoin(ClientMessage first) {
    if (first.getKindCase() != ClientMessage.KindCase.JOIN) {
      return Status.FAILED_PRECONDITION.withDescription(
          "the first message must be a join with your name, not " + describe(first));
    }
    String name = first.getJoin().getName();
    if (!NAME.matcher(name).matches()) {
      return Status.INVALID_ARGUMENT.withDescription(
          "a name is 1 to " + MAX_NAME_LENGTH
              + " letters, digits, '_', '-' or '.', not \"" + abbreviate(name) + "\"");
    }
    return null;
  }

  /** Checks a message after the join: a line of text within the limit. */
  static Status checkText(ClientMessage message) {
    switch (message.getKindCase()) {
      case JOIN:
        return Status.FAILED_PRECONDITION.withDescription("you have already joined: send text");
      case KIND_NOT_SET:
        return Status.INVALID_ARGUMENT.withDescription(
            "empty message: it has neither join nor text");
      case TEXT:
        break;
    }
    String text = message.getText();
    if (text.isBlank()) {
      return Status.INVALID_ARGUMENT.withDescription("empty message: send some text");
    }
    int length = text.codePointCount(0, text.length());
    if (length > MAX_TEXT_LENGTH) {
      return Status.INVALID_ARGUMENT.withDescription(
          "message too long: " + length + " characters, the limit is " + MAX_TEXT_LENGTH);
    }
    return null;
  }

  private static String describe(ClientMessage message) {
    return message.getKindCase() == ClientMessage.KindCase.TEXT ? "text" : "an empty message";
  }

  private static String abbreviate(String name) {
    return name.length() <= MAX_NAME_LENGTH + 8 ? name : name.substring(0, MAX_NAME_LENGTH) + "...";
  }
}
