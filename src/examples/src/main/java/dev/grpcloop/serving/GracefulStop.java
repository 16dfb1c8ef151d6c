package dev.grpcloop.serving;

import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How an example server stops on Ctrl-C or SIGTERM, run by the JVM's shutdown hook: health checks
 * turn NOT_SERVING, a line says the server is stopping, new calls are refused, the services that
 * listen ({@link ServerStopListener}) hear of it, calls in flight get {@link
 * ExampleServer#GRACE_SECONDS} to finish, the rest are cancelled, and a last line says it stopped.
 *
 * <p>The lines go to the stream the JVM started with. For them to be seen, whoever reads that
 * stream must outlive this JVM: Maven's exec plugin therefore runs the examples with {@code
 * inheritIo} (see the pom), because a Ctrl-C ends Maven at once, and with it any output Maven
 * itself would copy from the example.
 */
final class GracefulStop implements Runnable {
  private final String name;
  private final Server server;
  private final HealthStatusManager health;
  private final List<ServerStopListener> listeners;
  private final PrintStream out;

  GracefulStop(String name, Server server, HealthStatusManager health,
      List<ServerStopListener> listeners, PrintStream out) {
    this.name = name;
    this.server = server;
    this.health = health;
    this.listeners = List.copyOf(listeners);
    this.out = out;
  }

  @Override
  public void run() {
    // Health checkers see NOT_SERVING at once, before the grace period runs out.
    health.enterTerminalState();
    out.println(name + " server stopping: calls in flight get " + ExampleServer.GRACE_SECONDS
        + " s to finish");
    out.flush();
    server.shutdown();
    for (ServerStopListener listener : listeners) {
      listener.serverStopping();
    }
    awaitGrace(server);
    out.println(name + " server stopped");
    out.flush();
  }

  /**
   * Waits for a server that was shut down to finish its calls, for the grace period at most, then
   * cancels the rest and waits for them to end.
   */
  static void awaitGrace(Server server) {
    try {
      if (!server.awaitTermination(ExampleServer.GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(ExampleServer.GRACE_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
