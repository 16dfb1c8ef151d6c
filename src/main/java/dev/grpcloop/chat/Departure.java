package dev.grpcloop.chat;

import io.grpc.Status;
import java.time.Duration;

/**
 * How a member's call ends: the status their call closes with, the reason the room is told, and
 * how long their outbox may still send to them first.
 *
 * @param status the status the member's call ends with
 * @param reason what the others see in the leave announcement; empty for a clean leave
 * @param flush how long queued messages may still go out to the member before the call ends
 */
record Departure(Status status, String reason, Duration flush) {

  /** How long a member who leaves on their own may still be sent what was queued for them. */
  static final Duration FLUSH_GRACE = Duration.ofSeconds(2);

  /** The user half-closed: a clean leave, and they still get what was said before it. */
  static Departure quit() {
    return new Departure(Status.OK, "", FLUSH_GRACE);
  }

  /** The user sent something the room does not accept; they still get what came before it. */
  static Departure badInput(Status status) {
    return new Departure(status, "bad input", FLUSH_GRACE);
  }

  /** The call was cancelled: the client went away, or the server is stopping. Nobody to send to. */
  static Departure lost(Status status) {
    return new Departure(status, "connection lost", Duration.ZERO);
  }

  /** The room disconnected the user (a full outbox); their sender is stuck, so stop it now. */
  static Departure disconnected(Status status) {
    String reason =
        status.getCode() == Status.Code.RESOURCE_EXHAUSTED ? "too slow" : "disconnected";
    return new Departure(status, reason, Duration.ZERO);
  }
}
