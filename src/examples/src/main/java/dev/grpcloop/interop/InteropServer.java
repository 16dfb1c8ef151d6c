package dev.grpcloop.interop;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.serving.ExampleServer;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.testing.integration.TestServiceLoop;
import java.io.IOException;
import java.util.List;

/**
 * Serves {@link InteropService} for gRPC's interop clients, without TLS. Usage: {@code
 * InteropServer [--port N] [--event-loop]} (default 50051; 0 picks one; {@code --event-loop}: the
 * handlers on the event loops, {@link ExampleServer#EVENT_LOOP}), or {@code ./mvnw -q compile
 * exec:exec@interop-server -Dport=N [-Dargs=--event-loop]}.
 */
public final class InteropServer {
  private InteropServer() {}

  /**
   * The largest request the server takes: the interop case very_large_request sends 10 MiB, over
   * grpc's default limit of 4 MiB. gRPC's reference interop server allows 16 MiB as well.
   */
  public static final int MAX_INBOUND_MESSAGE_SIZE = 16 * 1024 * 1024;

  /** Starts the interop server on {@code port} (0 picks a free one); stop it when done. */
  public static Server start(int port) throws IOException {
    return ExampleServer.start(port, InteropServer::configure, new InteropService());
  }

  /**
   * Starts the interop server on {@code port} in the event-loop mode (each handler on the event
   * loop that serves its call); stopping it ends the loops too.
   */
  public static Server startOnEventLoops(int port) throws IOException {
    return ExampleServer.startOnEventLoops(port, InteropServer::configure,
        new HealthStatusManager(), List.of(InteropServer::bind));
  }

  /** Serves until the JVM is asked to stop (Ctrl-C, SIGTERM), then stops gracefully. */
  public static void main(String[] args) throws Exception {
    ExampleServer.run("interop", args, InteropServer::configure, List.of(),
        List.of(InteropServer::bind));
  }

  /** A new interop service, its handlers bound with {@code options}. */
  private static ServerServiceDefinition bind(BlockingServerCalls.Options options) {
    return TestServiceLoop.bindService(new InteropService(), options);
  }

  /** The settings the interop cases need beyond the example servers' defaults. */
  static void configure(ServerBuilder<?> builder) {
    builder
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_SIZE)
        // gRPC's default registries, named here because the service relies on them: "gzip" for
        // the responses it compresses and for the requests clients compress.
        .compressorRegistry(CompressorRegistry.getDefaultInstance())
        .decompressorRegistry(DecompressorRegistry.getDefaultInstance());
  }
}
