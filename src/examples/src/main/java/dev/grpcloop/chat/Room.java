package dev.grpcloop.chat;

import dev.grpcloop.chat.proto.ServerMessage;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The chat room: who is in it, by unique name, and the broadcasts between them. Any number of
 * handler threads call it at once. It never blocks on a member: a broadcast offers the message to
 * each member's bounded outbox and moves on, and a member whose outbox is full is disconnected.
 */
final class Room {
  /** Everyone in the room, by name. */
  private final ConcurrentHashMap<String, Member> members = new ConcurrentHashMap<>();

  private final int outboxCapacity;

  private final ChatEvents events;

  /** Where joins and leaves are reported for the server's operator. */
  private final Consumer<String> log;

  /** Makes a join's "not stopped yet, so add" one step against {@link #stop}. */
  private final ReentrantLock joining = new ReentrantLock();

  /** Whether the server is stopping: no more joins. Guarded by {@code joining}. */
  private boolean stopped;

  Room(int outboxCapacity, ChatEvents events, Consumer<String> log) {
    if (outboxCapacity < 1) {
      throw new IllegalArgumentException("an outbox holds at least one message");
    }
    this.outboxCapacity = outboxCapacity;
    this.events = events;
    this.log = log;
  }

  /**
   * Adds a member whose call runs on {@code handler}, queues their welcome, and announces them to
   * everyone else.
   *
   * @throws StatusException ALREADY_EXISTS if the name is taken, UNAVAILABLE if the server is
   *     stopping
   */
  Member join(String name, Thread handler) throws StatusException {
    Member member = new Member(name, new Outbox(outboxCapacity), handler);
    // The outbox is empty, so the welcome fits; it goes first, before anything said after the join.
    member.deliver(events.welcome(name, names()));
    joining.lock();
    try {
      if (stopped) {
        throw Departure.serverStopping().status().asException();
      }
      if (members.putIfAbsent(name, member) != null) {
        throw Status.ALREADY_EXISTS
            .withDescription("the name " + name + " is taken in this room: pick another")
            .asException();
      }
    } finally {
      joining.unlock();
    }
    log.accept(name + " joined");
    broadcast(member, events.joined(name));
    return member;
  }

  /** Sends a line that {@code from} said to everyone else. */
  void say(Member from, String text) {
    broadcast(from, events.said(from.name(), text));
  }

  /**
   * Removes the member and announces why they left (an empty reason for a clean leave). Does
   * nothing if they already left.
   */
  void leave(Member member, String reason) {
    if (members.remove(member.name(), member)) {
      log.accept(member.name() + " left" + (reason.isEmpty() ? "" : " (" + reason + ")"));
      broadcast(member, events.left(member.name(), reason));
    }
  }

  /**
   * The server is stopping: refuses joins from now on and sends every member away, each call
   * ending UNAVAILABLE and each leave announced as "server stopping". Never blocks on a member.
   */
  void stop() {
    joining.lock();
    try {
      stopped = true;
    } finally {
      joining.unlock();
    }
    // Every member who joined is in the map now; whoever comes later is refused above.
    for (Member member : members.values()) {
      member.disconnect(Departure.serverStopping());
    }
  }

  /** The names in the room now, sorted. */
  List<String> names() {
    return members.keySet().stream().sorted().toList();
  }

  private void broadcast(Member from, ServerMessage message) {
    for (Member member : members.values()) {
      if (member != from) {
        member.deliver(message);
      }
    }
  }
}
