package dev.grpcloop.echo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.serving.ExampleServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EchoServiceTest {
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = ExampleServer.start(0, new EchoService());
    channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void echoesEveryMessageInOrderThenEnds() throws Exception {
    int count = 10_000;
    List<String> received = new ArrayList<>();
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
      stream.startSender(() -> {
        for (int i = 0; i < count; i++) {
          if (!stream.send(Message.newBuilder().setText("hello " + i).build())) {
            return;
          }
        }
      });
      for (Message resp; (resp = stream.recv()) != null; ) {
        received.add(resp.getText());
      }
    }
    assertThat(received).hasSize(count);
    for (int i = 0; i < count; i++) {
      assertThat(received.get(i)).isEqualTo("hello " + i);
    }
  }
}
