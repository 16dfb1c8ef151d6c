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

  /**
   * The call was cancelled under the room: the client went away (or the server was stopped
   * without telling the room first). Nobody to send to.
   */
  static Departure lost(Status status) {
    return new Departure(status, "connection lost", Duration.ZERO);
  }

  /** The member fell {@code capacity} messages behind; their sender is stuck, so stop it now. */
  static Departure tooSlow(int capacity) {
    return new Departure(Status.RESOURCE_EXHAUSTED.withDescription(
        "too slow: you fell " + capacity + " messages behind"), "too slow", Duration.ZERO);
  }

  /** The room disconnected the user for a failure of its own; stop their sender now. */
  static Departure disconnected(Status status) {
    return new Departure(status, "disconnected", Duration.ZERO);
  }

  /**
   * The server is stopping and sends everyone away: the call ends UNAVAILABLE (try again later),
   * and the member still gets what was queued for them, the others' leaves among it.
   */
  static Departure serverStopping() {
    return new Departure(Status.UNAVAILABLE.withDescription("the server is stopping"),
        "server stopping", FLUSH_GRACE);
  }
}
