package dev.grpcloop.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.serving.ExampleServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A chat server on an ephemeral port for one test, with the users and channels the test opened,
 * all closed at the end. It counts the calls' handler threads: a handler thread ends only once its
 * call's outbox thread (a helper of the call) has ended, so none outlives its call.
 */
final class ChatTestServer implements AutoCloseable {
  final ConcurrentLinkedQueue<Thread> handlerThreads = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ChatUser> users = new ArrayList<>();
  final Server server;
  private final ChatService service;

  ChatTestServer(int outboxCapacity) throws Exception {
    ThreadFactory virtual = Thread.ofVirtual().name("chat-handler").factory();
    ThreadFactory counted = task -> {
      Thread t = virtual.newThread(task);
      handlerThreads.add(t);
      return t;
    };
    service = new ChatService(outboxCapacity, log::add, counted);
    server = ExampleServer.start(0, service);
  }

  int port() {
    return server.getPort();
  }

  ManagedChannel newChannel() {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
    channels.add(channel);
    return channel;
  }

  /** A user who has joined, been welcomed, and reads in the background. */
  ChatUser join(String name) throws InterruptedException {
    ChatUser user = ChatUser.joined(newChannel(), name);
    users.add(user);
    return user;
  }

  /** A user with an open stream who has sent nothing and does not read yet. */
  ChatUser connect(String name) {
    ChatUser user = ChatUser.connect(newChannel(), name);
    users.add(user);
    return user;
  }

  /**
   * Starts to stop the server as an example server's Ctrl-C does: new calls are refused, then the
   * room hears that the server is stopping.
   */
  void beginStop() {
    server.shutdown();
    service.serverStopping();
  }

  /** Waits until at least {@code count} handler threads have ended, at most 5 s. */
  void awaitHandlerThreadsEnded(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (handlerThreads.stream().filter(t -> !t.isAlive()).count() < count) {
      long left = deadline - System.nanoTime();
      assertThat(left).as("%d outbox threads ended within 5 s", count).isPositive();
      Thread alive = handlerThreads.stream().filter(Thread::isAlive).findFirst().orElseThrow();
      alive.join(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50))));
    }
  }

  @Override
  public void close() {
    users.forEach(ChatUser::close);
    channels.forEach(ManagedChannel::shutdownNow);
    server.shutdownNow();
    try {
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the test is being stopped: let it see why
    }
  }
}
