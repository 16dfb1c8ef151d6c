package dev.grpcloop.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.chat.ChatService;
import dev.grpcloop.echo.EchoService;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every example server answers the standard health and reflection services. */
@Timeout(30)
class ExampleServerTest {
  /** What both reflection versions list: the examples, health, and reflection itself. */
  private static final List<String> EVERY_SERVICE = List.of("echo.EchoService",
      "chat.ChatService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection");

  private final HealthStatusManager health = new HealthStatusManager();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = ExampleServer.start(0, builder -> {}, health, new EchoService(), new ChatService());
    channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private ServingStatus check(String service) throws Exception {
    return BlockingClientCalls.unary(channel, HealthGrpc.getCheckMethod(),
        HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }

  @Test
  void healthCheckSaysServingForTheServerAndEachService() throws Exception {
    assertThat(check("")).isEqualTo(ServingStatus.SERVING);
    assertThat(check("echo.EchoService")).isEqualTo(ServingStatus.SERVING);
    assertThat(check("chat.ChatService")).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void healthCheckSaysNotServingOnceTheServerIsStopping() throws Exception {
    health.enterTerminalState();
    assertThat(check("")).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(check("echo.EchoService")).isEqualTo(ServingStatus.NOT_SERVING);
  }

  @Test
  void reflectionV1ListsEveryService() throws Exception {
    List<String> names;
    try (ClientStream<ServerReflectionRequest, ServerReflectionResponse> stream =
        BlockingClientCalls.bidiStreaming(
            channel, ServerReflectionGrpc.getServerReflectionInfoMethod())) {
      stream.send(ServerReflectionRequest.newBuilder().setListServices("").build());
      stream.closeSend();
      ServerReflectionResponse response = stream.recv();
      names = response.getListServicesResponse().getServiceList().stream()
          .map(ServiceResponse::getName).toList();
      assertThat(stream.recv()).isNull();
    }
    assertThat(names).containsExactlyInAnyOrderElementsOf(EVERY_SERVICE);
  }

  /** The older reflection protocol, which some tools (and older grpcurl) still speak. */
  @Test
  void reflectionV1alphaListsEveryServiceToo() throws Exception {
    List<String> names;
    try (ClientStream<io.grpc.reflection.v1alpha.ServerReflectionRequest,
        io.grpc.reflection.v1alpha.ServerReflectionResponse> stream =
        BlockingClientCalls.bidiStreaming(channel,
            io.grpc.reflection.v1alpha.ServerReflectionGrpc.getServerReflectionInfoMethod())) {
      stream.send(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
          .setListServices("").build());
      stream.closeSend();
      io.grpc.reflection.v1alpha.ServerReflectionResponse response = stream.recv();
      names = response.getListServicesResponse().getServiceList().stream()
          .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList();
      assertThat(stream.recv()).isNull();
    }
    assertThat(names).containsExactlyInAnyOrderElementsOf(EVERY_SERVICE);
  }

  @Test
  void reflectionDescribesTheChatProtocol() throws Exception {
    try (ClientStream<ServerReflectionRequest, ServerReflectionResponse> stream =
        BlockingClientCalls.bidiStreaming(
            channel, ServerReflectionGrpc.getServerReflectionInfoMethod())) {
      stream.send(ServerReflectionRequest.newBuilder()
          .setFileContainingSymbol("chat.ChatService").build());
      stream.closeSend();
      ServerReflectionResponse response = stream.recv();
      assertThat(response.getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
      assertThat(response.getFileDescriptorResponse().getFileDescriptorProto(0).toStringUtf8())
          .contains("chat.proto", "ChatService", "ClientMessage");
    }
  }
}
