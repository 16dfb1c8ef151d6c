package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ExampleServer#startOnEventLoops}: the services' handlers run on the mode's event loops,
 * health and reflection answer as on every example server, and stopping the server ends the loops
 * (their carriers exit).
 */
@Timeout(60)
class EventLoopServerTest {

  @Test
  void handlersRunOnTheLoopsAndStoppingTheServerEndsThem() throws Exception {
    Set<Thread> carriersBefore = liveCarriers();
    Set<Thread> serverCarriers = new HashSet<>();
    HealthStatusManager health = new HealthStatusManager();
    EventLoopServer server = ExampleServer.startOnEventLoops(0, builder -> { }, health,
        List.of(options -> BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
            BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), stream -> {
              for (Message m; (m = stream.recv()) != null; ) {
                String s = Thread.currentThread().toString();
                stream.send(Message.newBuilder().setText(s.substring(s.lastIndexOf('@') + 1))
                    .build());
              }
            }, options))));
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
    try {
      assertThat(server.handlersOnEventLoops()).isTrue();
      Set<Thread> carriers = liveCarriers();
      carriers.removeAll(carriersBefore);
      assertThat(carriers).as("the server's carriers").isNotEmpty();
      serverCarriers.addAll(carriers);
      assertThat(BlockingClientCalls.unary(channel, HealthGrpc.getCheckMethod(),
          HealthCheckRequest.newBuilder().setService("echo.EchoService").build()).getStatus())
          .isEqualTo(ServingStatus.SERVING);
      try (var stream =
          BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
        assertThat(stream.send(Message.newBuilder().setText("where").build())).isTrue();
        assertThat(stream.recv().getText()).startsWith("grpc-loop-carrier-");
        stream.closeSend();
        assertThat(stream.recv()).isNull();
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      ExampleServer.stopGracefully(server);
    }
    assertThat(server.isTerminated()).isTrue();
    for (Thread carrier : serverCarriers) {
      carrier.join(Duration.ofSeconds(20));
    }
    assertThat(serverCarriers).as("carriers left after the stop").noneMatch(Thread::isAlive);
  }

  private static Set<Thread> liveCarriers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("grpc-loop-carrier-") && t.isAlive())
        .collect(Collectors.toCollection(HashSet::new));
  }
}
