package dev.grpcloop.echo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.serving.ExampleServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
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

  @Test
  void theHandBoundServiceIsWhatTheGeneratedBindServiceBuilds() throws Exception {
    EchoService echo = new EchoService();
    // snippet:echo-bind
    ServerServiceDefinition service = BlockingServerCalls.service(
        EchoServiceGrpc.getServiceDescriptor(),
        BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), echo::echoStream));
    // end-snippet
    Server handBound = ExampleServer.start(0, () -> service);
    ManagedChannel toHandBound = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", handBound.getPort(), InsecureChannelCredentials.create()).build();
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(toHandBound, EchoServiceGrpc.getEchoStreamMethod())) {
      stream.send(Message.newBuilder().setText("by hand").build());
      stream.closeSend();
      assertThat(stream.recv().getText()).isEqualTo("by hand");
      assertThat(stream.recv()).isNull();
    } finally {
      toHandBound.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      handBound.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(service.getServiceDescriptor().getMethods()).extracting(m -> m.getFullMethodName())
        .containsExactlyElementsOf(new EchoService().bindService().getServiceDescriptor()
            .getMethods().stream().map(m -> m.getFullMethodName()).toList());
  }

  @Test
  void aDeadlineEndsAStreamThatNeverCloses() {
    Status.Code code = null;
    Message echo = null;
    // snippet:client-deadline
    EchoServiceLoop.Stub echoService =
        EchoServiceLoop.newStub(channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS);
    try (ClientStream<Message, Message> stream = echoService.echoStream()) {
      stream.send(Message.newBuilder().setText("are you there?").build());
      echo = stream.recv(); // the echo comes back at once
      stream.recv();        // no closeSend: the server waits, until the deadline ends the call
    } catch (StatusException e) {
      code = e.getStatus().getCode(); // DEADLINE_EXCEEDED
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // end-snippet
    assertThat(echo.getText()).isEqualTo("are you there?");
    assertThat(code).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }
}
