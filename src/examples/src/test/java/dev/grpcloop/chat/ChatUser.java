package dev.grpcloop.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.chat.proto.ChatServiceGrpc;
import dev.grpcloop.chat.proto.ClientMessage;
import dev.grpcloop.chat.proto.Join;
import dev.grpcloop.chat.proto.ServerMessage;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One user of the chat room in a test: a stream, and (once started) a thread that receives
 * everything the room sends into a queue, then the status the call ended with.
 */
final class ChatUser implements AutoCloseable {
  static final long WAIT_SECONDS = 10;

  final String name;
  final ClientStream<ClientMessage, ServerMessage> stream;
  private final LinkedBlockingQueue<ServerMessage> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();

  private ChatUser(String name, Channel channel) {
    this.name = name;
    this.stream = BlockingClientCalls.bidiStreaming(channel, ChatServiceGrpc.getChatMethod());
  }

  /** Opens a stream, sends nothing, and does not read yet. */
  static ChatUser connect(Channel channel, String name) {
    return new ChatUser(name, channel);
  }

  /** Opens a stream, joins as {@code name}, reads in the background, and waits for the welcome. */
  static ChatUser joined(Channel channel, String name) throws InterruptedException {
    ChatUser user = connect(channel, name).startReceiving();
    user.send(join(name));
    assertThat(user.next().hasWelcome()).as("%s's first message is a welcome", name).isTrue();
    return user;
  }

  static ClientMessage join(String name) {
    return ClientMessage.newBuilder().setJoin(Join.newBuilder().setName(name)).build();
  }

  static ClientMessage text(String text) {
    return ClientMessage.newBuilder().setText(text).build();
  }

  /** Starts the receiving thread. */
  ChatUser startReceiving() {
    Thread.ofVirtual().name("test-recv-" + name).start(() -> {
      try {
        for (ServerMessage m; (m = stream.recv()) != null; ) {
          received.add(m);
        }
        ended.complete(Status.OK);
      } catch (StatusException e) {
        ended.complete(e.getStatus());
      } catch (Throwable t) {
        ended.completeExceptionally(t);
      }
    });
    return this;
  }

  void send(ClientMessage message) throws InterruptedException {
    assertThat(stream.send(message)).as("%s's send was taken", name).isTrue();
  }

  void say(String text) throws InterruptedException {
    send(text(text));
  }

  /** The next message from the room, waiting a bounded time. */
  ServerMessage next() throws InterruptedException {
    ServerMessage m = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    if (m == null) {
      fail("%s received nothing within %d s", name, WAIT_SECONDS);
    }
    return m;
  }

  /** Skips messages until one matches, and returns it. */
  ServerMessage await(Predicate<ServerMessage> wanted) throws InterruptedException {
    for (;;) {
      ServerMessage m = next();
      if (wanted.test(m)) {
        return m;
      }
    }
  }

  /** Everything received so far and not yet taken. */
  List<ServerMessage> drain() {
    List<ServerMessage> all = new ArrayList<>();
    received.drainTo(all);
    return all;
  }

  /** The status the call ended with, once the receiving thread has seen everything. */
  Status awaitEnd() throws Exception {
    return ended.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  static Predicate<ServerMessage> said(String name, String text) {
    return m -> m.hasSaid()
        && m.getSaid().getName().equals(name)
        && m.getSaid().getText().equals(text);
  }

  static Predicate<ServerMessage> joinedEvent(String name) {
    return m -> m.hasJoined() && m.getJoined().getName().equals(name);
  }

  static Predicate<ServerMessage> leftEvent(String name) {
    return m -> m.hasLeft() && m.getLeft().getName().equals(name);
  }

  @Override
  public void close() {
    stream.close();
  }
}
