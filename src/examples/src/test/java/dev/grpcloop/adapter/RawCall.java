package dev.grpcloop.adapter;

import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A plain grpc {@link ClientCall} that records what it receives, for driving the server side of
 * the adapter with a client that does exactly what a test says: no flow control of its own (it
 * requests only what the test requests), no adapter in between. Used from one test thread only,
 * since ClientCall is not thread-safe.
 */
final class RawCall {
  private final ClientCall<Message, Message> call;
  private final List<Message> messages = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Metadata> headers = new CompletableFuture<>();
  private final CompletableFuture<Status> status = new CompletableFuture<>();
  private final CompletableFuture<Metadata> trailers = new CompletableFuture<>();

  private RawCall(ClientCall<Message, Message> call) {
    this.call = call;
  }

  /** Starts a call that requests no messages until {@link #request} is called. */
  static RawCall start(Channel channel, MethodDescriptor<Message, Message> method,
      CallOptions options, Metadata requestHeaders) {
    RawCall raw = new RawCall(channel.newCall(method, options));
    raw.call.start(raw.new Listener(), requestHeaders);
    return raw;
  }

  static RawCall start(Channel channel, MethodDescriptor<Message, Message> method) {
    return start(channel, method, CallOptions.DEFAULT, new Metadata());
  }

  void request(int count) {
    call.request(count);
  }

  void send(Message message) {
    call.sendMessage(message);
  }

  void halfClose() {
    call.halfClose();
  }

  void cancel(String why) {
    call.cancel(why, null);
  }

  /** The messages received so far, in order. */
  List<Message> messages() {
    return messages;
  }

  /** The call's status, waiting for the call to end. */
  Status awaitStatus() throws Exception {
    return status.get(TestServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The call's status, waiting at most {@code within} for the call to end.
   *
   * @throws java.util.concurrent.TimeoutException if it has not ended by then
   */
  Status awaitStatus(Duration within) throws Exception {
    return status.get(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the call has ended. */
  boolean isClosed() {
    return status.isDone();
  }

  /** The trailers, waiting for the call to end. */
  Metadata awaitTrailers() throws Exception {
    return trailers.get(TestServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The response headers, waiting for them. */
  Metadata awaitHeaders() throws Exception {
    return headers.get(TestServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private final class Listener extends ClientCall.Listener<Message> {
    @Override
    public void onHeaders(Metadata received) {
      headers.complete(received);
    }

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onClose(Status closed, Metadata received) {
      trailers.complete(received);
      status.complete(closed);
    }
  }
}
