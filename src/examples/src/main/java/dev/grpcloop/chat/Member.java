package dev.grpcloop.chat;

import dev.grpcloop.chat.proto.ServerMessage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One user in the room: a unique name, a bounded {@link Outbox}, and the way to disconnect them
 * from any thread without waiting for them.
 *
 * <p>Disconnecting records why and interrupts the call's handler thread, which is the thread
 * blocked in the member's {@code recv}: it wakes, leaves the room, and ends the call with that
 * status. The lock makes "record and interrupt" one step against {@link #finish}, so an interrupt
 * never lands after the handler has stopped expecting one.
 */
final class Member {
  private final String name;
  private final Outbox outbox;

  /** The handler thread of the member's call: the one interrupted to disconnect them. */
  private final Thread handler;

  /** Guards {@code ending} and {@code finished}. */
  private final ReentrantLock lock = new ReentrantLock();

  /** Why the room disconnected the member, or null if it has not. */
  private Departure ending;

  /** Whether the handler has finished receiving: later disconnects do nothing. */
  private boolean finished;

  Member(String name, Outbox outbox, Thread handler) {
    this.name = name;
    this.outbox = outbox;
    this.handler = handler;
  }

  String name() {
    return name;
  }

  Outbox outbox() {
    return outbox;
  }

  /**
   * Queues a message for the member, or, if their outbox is full, disconnects them as too slow.
   * Never blocks: this is how the room talks to everyone without waiting for anyone.
   */
  void deliver(ServerMessage message) {
    if (!outbox.offer(message)) {
      disconnect(Departure.tooSlow(outbox.capacity()));
    }
  }

  /**
   * Ends the member's call with {@code why}, unless it is already ending. Never blocks for long:
   * it interrupts the handler thread and returns.
   */
  void disconnect(Departure why) {
    lock.lock();
    try {
      if (ending == null && !finished) {
        ending = why;
        handler.interrupt();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Called by the handler thread once it stops receiving: from now on disconnects do nothing.
   * Returns how the room disconnected the member, or null if it did not, and clears the interrupt
   * that the disconnect sent.
   */
  Departure finish() {
    if (Thread.currentThread() != handler) {
      throw new IllegalStateException("finish() belongs to the member's handler thread");
    }
    lock.lock();
    try {
      finished = true;
      if (ending != null) {
        Thread.interrupted(); // the disconnect's interrupt, now answered
      }
      return ending;
    } finally {
      lock.unlock();
    }
  }
}
