package dev.grpcloop.chat;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.chat.proto.ChatServiceLoop;
import dev.grpcloop.chat.proto.ClientMessage;
import dev.grpcloop.chat.proto.ServerMessage;
import dev.grpcloop.serving.ServerStopListener;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Clock;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The chat room of the Go article's opening scenario, {@code chat.ChatService}: each user holds one
 * bidirectional stream, and what one says reaches all the others, stamped with the server's time.
 *
 * <p>Each call is the article's loop on two threads: the handler's thread {@code recv}s the user's
 * lines and hands them to the room; the user's {@link Outbox} thread, a helper of the call, {@code
 * send}s what the room queued for them. The room never waits for a user: a user whose outbox fills up is disconnected
 * with {@code RESOURCE_EXHAUSTED}, and the others carry on. Bad input ends the offender's call
 * with a status that says what was wrong (see {@code proto/chat.proto}); the room carries on.
 * When the server stops, the room sends everyone away with {@code UNAVAILABLE}, announcing each
 * leave as "server stopping".
 */
public final class ChatService
    implements ChatServiceLoop.Service, BindableService, ServerStopListener {

  /** How many messages a user may fall behind before the room disconnects them. */
  public static final int DEFAULT_OUTBOX_CAPACITY = 256;

  private final Room room;

  /** How each user's call runs: its handler thread. */
  private final BlockingServerCalls.Options options;

  /** A room with the default outbox capacity that logs nothing. */
  public ChatService() {
    this(DEFAULT_OUTBOX_CAPACITY, line -> {});
  }

  /**
   * A room whose users may fall {@code outboxCapacity} messages behind, reporting joins and leaves
   * to {@code log}.
   */
  public ChatService(int outboxCapacity, Consumer<String> log) {
    this(outboxCapacity, log, BlockingServerCalls.Options.DEFAULT);
  }

  /** As above, each user's call on a handler thread from {@code handlers} (tests count them). */
  ChatService(int outboxCapacity, Consumer<String> log, ThreadFactory handlers) {
    this(outboxCapacity, log, BlockingServerCalls.Options.DEFAULT.withThreads(handlers));
  }

  private ChatService(int outboxCapacity, Consumer<String> log,
      BlockingServerCalls.Options options) {
    this.room = new Room(outboxCapacity, new ChatEvents(Clock.systemUTC()), log);
    this.options = options;
  }

  /** One user's call, from their join to their leave. Runs on the call's handler thread. */
  @Override
  public void chat(ServerStream<ClientMessage, ServerMessage> stream) throws Exception {
    ClientMessage first = stream.recv();
    if (first == null) {
      return; // hung up before joining: nobody to announce
    }
    Status badJoin = ChatRules.checkJoin(first);
    if (badJoin != null) {
      throw badJoin.asException();
    }
    Member member = room.join(first.getJoin().getName(), Thread.currentThread());
    member.outbox().startSending(stream, why -> member.disconnect(Departure.disconnected(why)));
    Departure departure = relay(member, stream);
    Departure sentAway = member.finish();
    if (sentAway != null) {
      departure = sentAway; // the room disconnected the member: that, not the interrupt, is why
    }
    room.leave(member, departure.reason());
    member.outbox().stopSending(departure.flush());
    if (!departure.status().isOk()) {
      throw departure.status().asException();
    }
  }

  /** The Go article's receive loop: hands the user's lines to the room until the user leaves. */
  // snippet:chat-loop
  private Departure relay(Member member, ServerRecvStream<ClientMessage> stream) {
    try {
      for (;;) {
        ClientMessage msg = stream.recv();
        if (msg == null) {
          return Departure.quit();
        }
        Status bad = ChatRules.checkText(msg);
        if (bad != null) {
          return Departure.badInput(bad);
        }
        room.say(member, msg.getText());
      }
    } catch (StatusException e) {
      return Departure.lost(e.getStatus());
    } catch (InterruptedException e) {
      // Member.disconnect interrupts this thread; member.finish() says why and clears the flag.
      return Departure.disconnected(
          Status.INTERNAL.withDescription("the handler was interrupted"));
    }
  }
  // end-snippet

  /** The server is stopping: every member is sent away now, and told why. */
  @Override
  public void serverStopping() {
    room.stop();
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ChatServiceLoop.bindService(this, options);
  }
}
