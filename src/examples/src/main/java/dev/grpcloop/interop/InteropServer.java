package dev.grpcloop.interop;

import dev.grpcloop.serving.ExampleServer;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.testing.integration.TestServiceLoop;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Serves {@link InteropService} for gRPC's interop clients, without TLS. Usage: {@code
 * InteropServer [--port N] [--event-loop]} (default 50051; 0 picks one; {@code --event-loop}: the
 * handlers on the event loops, {@link ExampleServer#startOnEventLoops}), or {@code ./mvnw -q
 * compile exec:exec@interop-server -Dport=N [-Dargs=--event-loop]}.
 */
public final class InteropServer {
  private InteropServer() {}

  /**
   * The largest request the server takes: the interop case very_large_request sends 10 MiB, over
   * grpc's default limit of 4 MiB. gRPC's reference interop server allows 16 MiB as well.
   */
  public static final int MAX_INBOUND_MESSAGE_SIZE = 16 * 1024 * 1024;

  /** The option that serves the handlers on the event loops (the example servers' other options). */
  static final String EVENT_LOOP = "--event-loop";

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
        new HealthStatusManager(),
        List.of(options -> TestServiceLoop.bindService(new InteropService(), options)));
  }

  /** Serves until the JVM is asked to stop (Ctrl-C, SIGTERM), then stops gracefully. */
  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    if (rest.remove(EVENT_LOOP)) {
      ExampleServer.runOnEventLoops("interop", rest.toArray(String[]::new),
          InteropServer::configure,
          List.of(options -> TestServiceLoop.bindService(new InteropService(), options)));
    } else {
      ExampleServer.run("interop", args, InteropServer::configure, new InteropService());
    }
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
