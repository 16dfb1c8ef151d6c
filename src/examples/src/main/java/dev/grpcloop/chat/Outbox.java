package dev.grpcloop.chat;

import dev.grpcloop.adapter.ServerSendStream;
import dev.grpcloop.chat.proto.ServerMessage;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One member's bounded queue of messages, and the thread that sends them down the member's stream.
 * The room only ever {@link #offer}s, which never waits: a full outbox means the member reads too
 * slowly, and the room disconnects them instead of waiting or queueing more.
 *
 * <p>The sender thread is the stream's one sending thread (the handler's thread receives): a helper
 * of the call ({@link ServerSendStream#fork}), started by {@link #startSending} and ended by {@link
 * #stopSending}; the adapter makes sure that it never outlives the call.
 */
final class Outbox {
  private static final Logger logger = Logger.getLogger(Outbox.class.getName());

  /** Marks the end of what the sender should send; compared by identity, never sent. */
  private static final ServerMessage END = ServerMessage.newBuilder().build();

  /** Messages waiting to be sent, oldest first. Bounded: the member's share of server memory. */
  private final ArrayBlockingQueue<ServerMessage> queue;

  private final int capacity;

  /** The sender thread; set once by startSending, on the handler's thread. */
  private Thread sender;

  Outbox(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.capacity = capacity;
  }

  /** How many messages the outbox holds at most. */
  int capacity() {
    return capacity;
  }

  /** Queues a message if there is room, and says whether there was. Never blocks. */
  boolean offer(ServerMessage message) {
    return queue.offer(message);
  }

  /**
   * Starts the sender thread: it sends each queued message to {@code stream}, in order, until
   * {@link #stopSending}. If sending fails in a way that the call itself does not report (anything
   * but a StatusException, which means the call is over and the handler's recv sees it too), it
   * passes the status to {@code onFailure}.
   */
  void startSending(ServerSendStream<ServerMessage> stream, Consumer<Status> onFailure) {
    sender = stream.fork(() -> send(stream, onFailure));
  }

  private void send(ServerSendStream<ServerMessage> stream, Consumer<Status> onFailure) {
    try {
      for (ServerMessage message; (message = queue.take()) != END; ) {
        stream.send(message);
      }
    } catch (InterruptedException stopNow) {
      // stopSending interrupts only to end this thread: nothing is left to do.
      return;
    } catch (StatusException callOver) {
      // The call was cancelled: the handler's recv throws the same status and ends the call.
      return;
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "Sending to a chat member failed", e);
      onFailure.accept(Status.INTERNAL.withDescription("sending to you failed").withCause(e));
    }
  }

  /**
   * Ends the sender thread and waits for it. With a positive {@code grace}, the sender first gets
   * up to that long to send what is queued (a member who leaves cleanly still sees the messages
   * that came before); then, or at once with a zero grace, it is interrupted. Call from the
   * handler's thread, after the member has left the room.
   */
  void stopSending(Duration grace) throws InterruptedException {
    if (sender == null) {
      return;
    }
    long deadline = System.nanoTime() + grace.toNanos();
    if (grace.isPositive() && queue.offer(END, grace.toNanos(), TimeUnit.NANOSECONDS)) {
      sender.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }
    sender.interrupt();
    sender.join();
  }
}
