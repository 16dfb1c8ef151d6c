package dev.grpcloop.serving;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.eventloop.EventLoopHandlers;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every example server shares: a {@code --port N} option (default 50051, 0 picks a free
 * port), TLS if asked ({@link ExampleTls}), the opt-in event-loop mode if asked ({@link
 * #EVENT_LOOP}), one line on standard output once it listens, the standard gRPC health service
 * and server reflection (so generic tools such as grpcurl can list and call it), and a graceful
 * stop on SIGTERM or Ctrl-C ({@link GracefulStop}).
 */
public final class ExampleServer {
  private ExampleServer() {}

  /** The port examples listen on unless told otherwise. */
  public static final int DEFAULT_PORT = 50051;

  /** How long in-flight calls may run on after a stop is asked for, before they are cancelled. */
  public static final long GRACE_SECONDS = 5;

  /**
   * The flag that serves each call's handler on the event loop that serves the call ({@link
   * #startOnEventLoops}), where the JVM allows it; where it does not, the server says which JVM
   * flags are missing and serves in the default mode, as the mode itself falls back.
   */
  public static final String EVENT_LOOP = "--event-loop";

  /** The flag that prints {@link #help} and exits. */
  public static final String HELP = "--help";

  /** The options with a value every example server takes: {@code --port}, and TLS's. */
  public static final Set<String> OPTIONS = Set.of("--port", ExampleTls.CERT, ExampleTls.KEY);

  /** The flags every example server takes: {@link #EVENT_LOOP} and {@link #HELP}. */
  public static final Set<String> FLAGS = Set.of(EVENT_LOOP, HELP);

  /** How to call an example server, after its name. */
  public static final String USAGE =
      "[--port N] [--tls-cert CERT.pem --tls-key KEY.pem] [--event-loop] [--help]";

  /** Exit code for options the server does not understand, after a line that says why. */
  public static final int BAD_OPTIONS = 2;

  /** Exit code for a server that could not start (the port is taken, say), after a line. */
  public static final int CANNOT_START = 1;

  /**
   * Serves {@code service}, bound with the adapter's options of the mode the command line asks
   * for (for a generated service: {@code options -> FooLoop.bindService(impl, options)}), prints
   * the port, and blocks until the JVM is asked to stop.
   */
  public static void run(String name, String[] args,
      Function<BlockingServerCalls.Options, ServerServiceDefinition> service)
      throws InterruptedException {
    run(name, args, builder -> {}, List.of(), List.of(service));
  }

  /**
   * Like {@link #run(String, String[], Function)}, with server settings beyond this project's
   * defaults applied by {@code options} (a larger inbound message limit, say), several services,
   * and {@code listeners} that hear when the server starts to stop.
   */
  public static void run(String name, String[] args,
      Consumer<? super NettyServerBuilder> options, List<? extends ServerStopListener> listeners,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services)
      throws InterruptedException {
    CommandLine commandLine;
    ServerCredentials credentials;
    try {
      commandLine = CommandLine.parse(args, OPTIONS, FLAGS);
      credentials = ExampleTls.serverCredentials(commandLine);
    } catch (IllegalArgumentException e) {
      System.err.println(name + " server: " + e.getMessage());
      System.err.println("usage: " + name + " server " + USAGE);
      System.exit(BAD_OPTIONS);
      return;
    }
    if (commandLine.has(HELP)) {
      System.out.print(help(name));
      System.out.flush();
      return;
    }
    HealthStatusManager health = new HealthStatusManager();
    Server server;
    try {
      server = start(name, commandLine, credentials, options, health, services, System.err);
    } catch (IOException | IllegalArgumentException e) {
      // The port is taken, or the TLS files hold no certificate or key that grpc can use.
      System.err.println(name + " server: cannot start: " + e.getMessage()
          + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""));
      System.exit(CANNOT_START);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(
        new GracefulStop(name, server, health, List.copyOf(listeners), System.out),
        name + "-server-stop"));
    System.out.println(startLine(name, commandLine, server));
    System.out.flush();
    ParentWatch.startIfAsked(name + " server", System.out);
    server.awaitTermination();
  }

  /** What {@link #HELP} prints: the usage, and a line or two on each option. */
  static String help(String name) {
    return "usage: " + name + " server " + USAGE + "\n"
        + "  --port N      the port to listen on (default " + DEFAULT_PORT
        + "; 0 picks a free one)\n"
        + "  --tls-cert CERT.pem --tls-key KEY.pem\n"
        + "                serve TLS with this certificate chain and its private key (PEM)\n"
        + "  --event-loop  run each call's handler on the event loop that serves the call (the\n"
        + "                opt-in event-loop mode); the JVM needs the flag\n"
        + "                --add-opens java.base/java.lang=ALL-UNNAMED, which\n"
        + "                ./mvnw -q compile exec:exec@" + name + "-server -Dargs=" + EVENT_LOOP
        + " passes\n"
        + "  --help        print this and exit\n";
  }

  /**
   * Starts the server {@code commandLine} asks for, as {@link #run} does, and returns it: with
   * {@link #EVENT_LOOP} in the event-loop mode ({@link #startOnEventLoops}) if this JVM has the
   * flags the mode needs, else in the default mode after two lines on {@code err} that name the
   * missing flags; without it in the default mode ({@link #start(int, ServerCredentials,
   * Consumer, HealthStatusManager, BindableService...)}).
   */
  static Server start(String name, CommandLine commandLine, ServerCredentials credentials,
      Consumer<? super NettyServerBuilder> options, HealthStatusManager health,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services,
      PrintStream err) throws IOException {
    if (commandLine.has(EVENT_LOOP)) {
      List<String> missing = EventLoopHandlers.missingJvmFlags();
      if (missing.isEmpty()) {
        return startOnEventLoops(commandLine.port(), credentials, options, health, services);
      }
      // The mode would fall back by itself; saying so here names the flags without the JDK's
      // reflection message, and says how to pass them.
      err.println(name + " server: " + EVENT_LOOP + " needs the JVM flag"
          + (missing.size() > 1 ? "s " : " ") + String.join(" ", missing)
          + ", which this JVM was started without: serving in the default mode instead"
          + " (each handler on an ordinary virtual thread)");
      err.println(name + " server: put " + (missing.size() > 1 ? "them" : "it")
          + " before the class name in the java command, or start the server with"
          + " ./mvnw -q compile exec:exec@" + name + "-server -Dargs=" + EVENT_LOOP
          + ", which passes it");
      err.flush();
    }
    return startDefault(commandLine.port(), credentials, options, health, services);
  }

  /**
   * The line a server prints once it listens: its port, TLS, and, when {@link #EVENT_LOOP} was
   * asked for, the mode it runs in.
   */
  static String startLine(String name, CommandLine commandLine, Server server) {
    String mode = "";
    if (commandLine.has(EVENT_LOOP)) {
      if (!(server instanceof EventLoopServer loops)) {
        mode = " (default mode: " + EVENT_LOOP + " needs a JVM flag, see above)";
      } else if (loops.handlersOnEventLoops()) {
        mode = " (event-loop mode: handlers on the event loops)";
      } else {
        mode = " (default mode: this JDK refused the event-loop mode, see the WARNING above)";
      }
    }
    return name + " server listening on port " + server.getPort()
        + (ExampleTls.serverTls(commandLine) ? " (TLS)" : "") + mode;
  }

  /**
   * Builds and starts a server in the configuration this project recommends for services bound
   * with the adapter: grpc's callbacks run on the transport thread ({@code directExecutor}), which
   * is safe because the adapter's callbacks never block, and each connection is held to the
   * {@link ConnectionLimits}. The health service reports every service, and the server as a whole
   * ({@code ""}), as SERVING; server reflection lists them all.
   */
  public static Server start(int port, BindableService... services) throws IOException {
    return start(port, builder -> {}, services);
  }

  /** Like {@link #start(int, BindableService...)}, with {@code options} applied to the builder. */
  public static Server start(
      int port, Consumer<? super NettyServerBuilder> options, BindableService... services)
      throws IOException {
    return start(port, options, new HealthStatusManager(), services);
  }

  /**
   * Like {@link #start(int, Consumer, BindableService...)}, reporting health through {@code
   * health}: {@link HealthStatusManager#enterTerminalState} then makes every check NOT_SERVING.
   * Server reflection answers both its versions: {@code grpc.reflection.v1} and the older {@code
   * grpc.reflection.v1alpha}, which many tools still ask first or only.
   */
  public static Server start(
      int port, Consumer<? super NettyServerBuilder> options, HealthStatusManager health,
      BindableService... services) throws IOException {
    return start(port, InsecureServerCredentials.create(), options, health, services);
  }

  /**
   * Like {@link #start(int, Consumer, HealthStatusManager, BindableService...)}, with {@code
   * credentials}: plaintext, or TLS ({@link ExampleTls#serverCredentials}).
   */
  public static Server start(
      int port, ServerCredentials credentials, Consumer<? super NettyServerBuilder> options,
      HealthStatusManager health, BindableService... services) throws IOException {
    return startDefault(port, credentials, options, health, Arrays.stream(services)
        .<Function<BlockingServerCalls.Options, ServerServiceDefinition>>map(
            service -> unused -> service.bindService())
        .toList());
  }

  /** The default mode's server: each of {@code services} bound with the default options. */
  private static Server startDefault(int port, ServerCredentials credentials,
      Consumer<? super NettyServerBuilder> options, HealthStatusManager health,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services)
      throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forPort(port, credentials).directExecutor();
    return build(builder, options, health, services, BlockingServerCalls.Options.DEFAULT).start();
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
  public static EventLoopServer startOnEventLoops(int port,
      Consumer<? super NettyServerBuilder> options, HealthStatusManager health,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services)
      throws IOException {
    return startOnEventLoops(port, InsecureServerCredentials.create(), options, health, services);
  }

  /** Like {@link #startOnEventLoops(int, Consumer, HealthStatusManager, List)}, with TLS or not. */
  public static EventLoopServer startOnEventLoops(int port, ServerCredentials credentials,
      Consumer<? super NettyServerBuilder> options, HealthStatusManager health,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services)
      throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forPort(port, credentials);
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

  @SuppressWarnings("deprecation") // ProtoReflectionService: v1alpha, deprecated, still served
  private static Server build(NettyServerBuilder builder,
      Consumer<? super NettyServerBuilder> options, HealthStatusManager health,
      List<Function<BlockingServerCalls.Options, ServerServiceDefinition>> services,
      BlockingServerCalls.Options bindings) {
    // grpc's health and reflection services never block in their callbacks either.
    builder.addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance());
    ConnectionLimits.apply(builder);
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
    GracefulStop.awaitGrace(server);
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
