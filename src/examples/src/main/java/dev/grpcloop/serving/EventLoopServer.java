package dev.grpcloop.serving;

import dev.grpcloop.eventloop.EventLoopHandlers;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server in the event-loop mode ({@link EventLoopHandlers}) as a plain {@link Server}: the
 * server's own methods, and the loops closed once it has terminated (the mode's rule: its loops
 * end after the server), the first time an {@code awaitTermination} sees it terminated. So {@link
 * ExampleServer#stopGracefully} and every other caller of a {@code Server} stop both.
 */
public final class EventLoopServer extends Server {
  private final Server server;
  private final EventLoopHandlers loops;

  EventLoopServer(Server server, EventLoopHandlers loops) {
    this.server = server;
    this.loops = loops;
  }

  /** Whether the handlers run on the event loops: false if the mode fell back (see its log). */
  public boolean handlersOnEventLoops() {
    return loops.handlersOnEventLoops();
  }

  @Override
  public Server start() throws IOException {
    server.start();
    return this;
  }

  @Override
  public int getPort() {
    return server.getPort();
  }

  @Override
  public List<? extends SocketAddress> getListenSockets() {
    return server.getListenSockets();
  }

  @Override
  public List<ServerServiceDefinition> getServices() {
    return server.getServices();
  }

  @Override
  public List<ServerServiceDefinition> getImmutableServices() {
    return server.getImmutableServices();
  }

  @Override
  public List<ServerServiceDefinition> getMutableServices() {
    return server.getMutableServices();
  }

  @Override
  public Server shutdown() {
    server.shutdown();
    return this;
  }

  @Override
  public Server shutdownNow() {
    server.shutdownNow();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return server.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return server.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return closeLoopsIf(server.awaitTermination(timeout, unit));
  }

  @Override
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
    closeLoopsIf(true);
  }

  private boolean closeLoopsIf(boolean terminated) {
    if (terminated) {
      loops.close(); // does nothing the second time
    }
    return terminated;
  }
}
