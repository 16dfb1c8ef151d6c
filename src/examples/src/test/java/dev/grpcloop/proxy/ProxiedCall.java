package dev.grpcloop.proxy;

import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A plain grpc {@link ClientCall} that records what it receives, so that a test decides exactly
 * when its call sends, half-closes or cancels (a cancel before the half-close is what haproxy 2.6
 * mishandles). It asks for every response as it arrives. Used from one test thread only, since a
 * ClientCall is not thread-safe.
 */
final class ProxiedCall {
  /** How long a wait for something that should happen may take before it counts as a hang. */
  static final Duration PATIENCE = Duration.ofSeconds(10);

  private final ClientCall<Message, Message> call;
  private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> status = new CompletableFuture<>();
  private final CompletableFuture<Metadata> trailers = new CompletableFuture<>();

  private ProxiedCall(ClientCall<Message, Message> call) {
    this.call = call;
  }

  static ProxiedCall start(
      Channel channel, MethodDescriptor<Message, Message> method, CallOptions options) {
    ProxiedCall proxied = new ProxiedCall(channel.newCall(method, options));
    proxied.call.start(proxied.new Listener(), new Metadata());
    proxied.call.request(1);
    return proxied;
  }

  static ProxiedCall start(Channel channel, MethodDescriptor<Message, Message> method) {
    return start(channel, method, CallOptions.DEFAULT);
  }

  ProxiedCall send(String text) {
    call.sendMessage(Message.newBuilder().setText(text).build());
    return this;
  }

  void halfClose() {
    call.halfClose();
  }

  void cancel() {
    call.cancel("the test abandons the call", null);
  }

  /** The next message's text, waiting for it; fails if the call ends without one. */
  String nextMessage() throws InterruptedException {
    Message message = messages.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    if (message == null) {
      throw new AssertionError("no message within " + PATIENCE + "; the call ended with "
          + status.getNow(null));
    }
    return message.getText();
  }

  /** The call's status, waiting for it to end. */
  Status awaitStatus() throws InterruptedException, ExecutionException, TimeoutException {
    return status.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The call's status if it ends within {@code wait}, else null: the call is still open. */
  Status statusWithin(Duration wait) throws InterruptedException, ExecutionException {
    try {
      return status.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException stillOpen) {
      return null;
    }
  }

  /** The trailers the call ended with, waiting for it to end. */
  Metadata awaitTrailers() throws InterruptedException, ExecutionException, TimeoutException {
    return trailers.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private final class Listener extends ClientCall.Listener<Message> {
    @Override
    public void onMessage(Message message) {
      messages.add(message);
      call.request(1);
    }

    @Override
    public void onClose(Status closed, Metadata received) {
      trailers.complete(received);
      status.complete(closed);
    }
  }
}
