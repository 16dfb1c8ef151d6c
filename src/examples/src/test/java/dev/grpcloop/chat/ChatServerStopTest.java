package dev.grpcloop.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.serving.ExampleProcess;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chat server, run as a user runs it and stopped as a user stops it (SIGTERM, as Ctrl-C):
 * the members are sent away at once, told why, instead of waiting out the grace period and then
 * reading "connection lost".
 */
@Timeout(60)
class ChatServerStopTest {
  @Test
  void stoppingTheServerSendsTheMembersAwaySayingSo() throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    try (ExampleProcess server = ExampleProcess.start(ChatServer.class, "--port", "0")) {
      String listening = server.awaitLine(line -> line.startsWith("chat server listening on "));
      int port = Integer.parseInt(listening.substring(listening.lastIndexOf(' ') + 1));
      List<ChatUser> users = new ArrayList<>();
      for (String name : List.of("alice", "bob")) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
            "127.0.0.1", port, InsecureChannelCredentials.create()).build();
        channels.add(channel);
        users.add(ChatUser.joined(channel, name));
      }
      users.get(0).await(ChatUser.joinedEvent("bob"));

      long start = System.nanoTime();
      server.stop();

      for (ChatUser user : users) {
        Status end = user.awaitEnd();
        assertThat(end.getCode()).as(user.name).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(end.getDescription()).as(user.name).isEqualTo("the server is stopping");
      }
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
          .as("sent away at once, not after the grace period").isLessThan(5);
      server.awaitLine(line -> line.endsWith(" bob joined"));
      List<String> log = server.remainingLines();
      assertThat(log).first().isEqualTo("chat server stopping: calls in flight get 5 s to finish");
      assertThat(log).last().isEqualTo("chat server stopped");
      assertThat(log).anyMatch(line -> line.endsWith(" alice left (server stopping)"))
          .anyMatch(line -> line.endsWith(" bob left (server stopping)"))
          .noneMatch(line -> line.contains("connection lost"));
      assertThat(server.awaitExit()).isEqualTo(128 + 15);
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
