package dev.grpcloop.serving;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.eventloop.EventLoopHandlers;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every example server shares: a {@code --port N} option (default 50051, 0 picks a free
 * port), one line on standard output once it listens, the standard gRPC health service and server
 * reflection (so generic tools such as grpcurl can list and call it), and a graceful stop on
 * SIGTERM or Ctrl-C.
 */
public final class ExampleServer {
  private ExampleServer() {}

  /** The port examples listen on unless told otherwise. */
  public static final int DEFAULT_PORT = 50051;

  /** How long in-flight calls may run on after a stop is asked for, before they are cancelled. */
  public static final long GRACE_SECONDS = 5;

  /** Starts the services, prints the port, and blocks until the JVM is asked to stop. */
  public static void run(String name, String[] args, BindableService... services)
      throws IOException, InterruptedException {
    run(name, args, builder -> {}, services);
  }

  /**
   * Like {@link #run(String, String[], BindableService...)}, with server settings beyond this
   * project's defaults applied by {@code options}, for example a larger inbound message limit.
   */
  public static void run(
      String name, String[] args, Consumer<ServerBuilder<?>> options,
      BindableService... services) throws IOException, InterruptedException {
    HealthStatusManager health = new HealthStatusManager();
    serve(name, start(port(args), options, health, services), health);
  }

  /**
   * Like {@link #run(String, String[], Consumer, BindableService...)} in the event-loop mode, with
   * {@link #startOnEventLoops}.
   */
  public static void runOnEventLoops(String name, String[] args, Consumer<ServerBuilder<?>> options,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services)
      throws IOException, InterruptedException {
    HealthStatusManager health = new HealthStatusManager();
    serve(name + " (event-loop mode)", startOnEventLoops(port(args), options, health, services),
        health);
  }

  private static void serve(String name, Server server, HealthStatusManager health)
      throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // Health checkers see NOT_SERVING at once, before the grace period runs out.
      health.enterTerminalState();
      System.out.println(name + " server stopping: calls in flight get " + GRACE_SECONDS
          + " s to finish");
      System.out.flush();
      stopGracefully(server);
    }));
    System.out.println(name + " server listening on port " + server.getPort());
    System.out.flush();
    server.awaitTermination();
  }

  /**
   * Builds and starts a server in the configuration this project recommends for services bound
   * with the adapter: grpc's callbacks run on the transport thread ({@code directExecutor}), which
   * is safe because the adapter's callbacks never block. The health service reports every service,
   * and the server as a whole ({@code ""}), as SERVING; server reflection lists them all.
   */
  public static Server start(int port, BindableService... services) throws IOException {
    return start(port, builder -> {}, services);
  }

  /** Like {@link #start(int, BindableService...)}, with {@code options} applied to the builder. */
  public static Server start(
      int port, Consumer<ServerBuilder<?>> options, BindableService... services)
      throws IOException {
    return start(port, options, new HealthStatusManager(), services);
  }

  /**
   * Like {@link #start(int, Consumer, BindableService...)}, reporting health through {@code
   * health}: {@link HealthStatusManager#enterTerminalState} then makes every check NOT_SERVING.
   */
  public static Server start(
      int port, Consumer<ServerBuilder<?>> options, HealthStatusManager health,
      BindableService... services) throws IOException {
    ServerBuilder<?> builder =
        Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create()).directExecutor();
    return build(builder, options, health, Arrays.stream(services)
        .<Function<BlockingServerCalls.Options, ServerServiceDefinition>>map(
            service -> unused -> service.bindService())
        .toList(), BlockingServerCalls.Options.DEFAULT).start();
  }

  /**
   * Like {@link #start(int, Consumer, HealthStatusManager, BindableService...)} in the opt-in
   * event-loop mode ({@link EventLoopHandlers}): each call's handler runs on the event loop that
   * serves the call. Each of {@code services} binds its handlers with the options it is given,
   * whose threads are the mode's (for a generated service: {@code opts ->
   * FooLoop.bindService(impl, opts)}). The server returned ends the loops once it has terminated.
   * Without {@code --add-opens java.base/java.lang=ALL-UNNAMED} the mode falls back, logging why,
   * to ordinary virtual threads.
   */
  public static EventLoopServer startOnEventLoops(int port, Consumer<ServerBuilder<?>> options,
      HealthStatusManager health,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services)
      throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forPort(port, InsecureServerCredentials.create());
    EventLoopHandlers loops = EventLoopHandlers.configure(builder);
    Server server;
    try {
      server = build(builder, options, health, services, loops.options()).start();
    } catch (IOException | RuntimeException e) {
      loops.close();
      throw e;
    }
    return new EventLoopServer(server, loops);
  }

  private static Server build(ServerBuilder<?> builder, Consumer<ServerBuilder<?>> options,
      HealthStatusManager health,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services,
      BlockingServerCalls.Options bindings) {
    // grpc's health and reflection services never block in their callbacks either.
    builder.addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance());
    options.accept(builder);
    for (Function<BlockingServerCalls.Options, ServerServiceDefinition> service : services) {
      ServerServiceDefinition definition = service.apply(bindings);
      builder.addService(definition);
      health.setStatus(definition.getServiceDescriptor().getName(), ServingStatus.SERVING);
    }
    return builder.build();
  }

  /** Refuses new calls, lets in-flight ones finish for a grace period, then cancels the rest. */
  public static void stopGracefully(Server server) {
    server.shutdown();
    try {
      if (!server.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** The value of {@code --port N} or {@code --port=N}, or the default. */
  public static int port(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port") && i + 1 < args.length) {
        return parsePort(args[i + 1]);
      }
      if (args[i].startsWith("--port=")) {
        return parsePort(args[i].substring("--port=".length()));
      }
    }
    return DEFAULT_PORT;
  }

  /** Parses a port number, with a message fit to show the user if it is not one. */
  static int parsePort(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException("--port takes a number from 0 to 65535, not " + value);
  }
}
