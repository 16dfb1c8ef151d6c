package dev.grpcloop.chat;

import dev.grpcloop.chat.proto.ServerMessage;
import io.grpc.Status;
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

  /** Guards {@code ending}. */
  private final ReentrantLock lock = new ReentrantLock();

  /** Why the room disconnected the member, {@link #FINISHED}, or null while the call runs. */
  private Status ending;

  /** Marks a member whose handler has finished: later disconnects do nothing. */
  private static final Status FINISHED = Status.OK.withDescription("finished");

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
      disconnect(Status.RESOURCE_EXHAUSTED.withDescription(
          "too slow: you fell " + outbox.capacity() + " messages behind"));
    }
  }

  /**
   * Ends the member's call with {@code why}, unless it is already ending. Never blocks for long:
   * it interrupts the handler thread and returns.
   */
  void disconnect(Status why) {
    lock.lock();
    try {
      if (ending == null) {
        ending = why;
        handler.interrupt();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Called by the handler thread once it stops receiving: from now on disconnects do nothing.
   * Returns why the member was disconnected, or null if they were not, and clears the interrupt
   * that the disconnect sent.
   */
  Status finish() {
    if (Thread.currentThread() != handler) {
      throw new IllegalStateException("finish() belongs to the member's handler thread");
    }
    lock.lock();
    try {
      if (ending != null) {
        Thread.interrupted(); // the disconnect's interrupt, now answered
        return ending;
      }
      ending = FINISHED;
      return null;
    } finally {
      lock.unlock();
    }
  }
}
