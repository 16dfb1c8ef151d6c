package dev.grpcloop.hardening;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Netty server on an ephemeral port in the configuration the project recommends (grpc's
 * callbacks on the transport thread), with a {@link CallRecorder} on every call and a {@link
 * HandlerThreads} for the services to use, and channels to it. Closing it shuts everything down.
 */
final class Harness implements AutoCloseable {
  final HandlerThreads threads = new HandlerThreads();
  final CallRecorder recorder = new CallRecorder();
  final Server server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** Starts a server with the services that {@code services} makes from the handler threads. */
  Harness(Function<HandlerThreads, List<ServerServiceDefinition>> services) throws IOException {
    this(services, builder -> {});
  }

  /** As above, with {@code options} applied to the server builder. */
  Harness(Function<HandlerThreads, List<ServerServiceDefinition>> services,
      Consumer<ServerBuilder<?>> options) throws IOException {
    ServerBuilder<?> builder = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .directExecutor()
        .intercept(recorder);
    services.apply(threads).forEach(builder::addService);
    options.accept(builder);
    server = builder.build().start();
  }

  int port() {
    return server.getPort();
  }

  /** A new channel (its own TCP connection) to the server, shut down with the harness. */
  ManagedChannel newChannel() {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", port(), InsecureChannelCredentials.create()).build();
    channels.add(channel);
    return channel;
  }

  /** A new {@link EchoClients#stingyChannel} to the server, shut down with the harness. */
  ManagedChannel newStingyChannel() {
    ManagedChannel channel = EchoClients.stingyChannel(port());
    channels.add(channel);
    return channel;
  }

  /** Shuts everything down and waits for it (a few seconds at most); never throws. */
  @Override
  public void close() {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    server.shutdownNow();
    try {
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the test is being stopped: let it see why
    }
  }
}
