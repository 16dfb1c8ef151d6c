package dev.grpcloop.bench;

import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Go article's client, for stream_1 and stream_64: per stream, a sender thread pushes its messages
 * as fast as flow control lets it and then half-closes, while the receiver (grpc's callback)
 * counts the echoes until the server ends the stream.
 */
final class Pipelined {
  private Pipelined() {}

  /**
   * Runs {@code streams} streams at once, spread over {@code channels}, each sending {@code
   * messages} 32-byte messages, and returns the echoed messages per second, all streams together.
   */
  static double run(List<? extends Channel> channels, int streams, int messages, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    Message payload = EchoClient.message(BenchOptions.MESSAGE_BYTES);
    CountDownLatch go = new CountDownLatch(1);
    List<Stream> all = new ArrayList<>();
    List<Thread> senders = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      Channel channel = channels.get(i % channels.size());
      Stream stream = new Stream(channel.newCall(EchoClient.ECHO, CallOptions.DEFAULT));
      stream.start();
      all.add(stream);
      Thread sender = new Thread(() -> stream.send(go, payload, messages), "bench-sender-" + i);
      sender.setDaemon(true);
      sender.start();
      senders.add(sender);
    }
    long start = System.nanoTime();
    go.countDown();
    long deadline = start + timeout.toNanos();
    try {
      for (Stream stream : all) {
        Status status = stream.closed.get(Math.max(1, deadline - System.nanoTime()),
            TimeUnit.NANOSECONDS);
        if (!status.isOk()) {
          throw new IOException("stream ended with " + status);
        }
      }
    } catch (ExecutionException e) {
      throw new IOException("streaming round failed", e.getCause());
    } catch (TimeoutException e) {
      for (Stream stream : all) {
        stream.call.cancel("streaming round timed out", null);
      }
      throw e;
    }
    long elapsed = System.nanoTime() - start;
    long total = 0;
    for (Stream stream : all) {
      if (stream.received() != messages) {
        throw new IOException("a stream got " + stream.received() + " echoes of " + messages);
      }
      total += messages;
    }
    for (Thread sender : senders) {
      sender.join(TimeUnit.NANOSECONDS.toMillis(Math.max(1, deadline - System.nanoTime())));
    }
    return total / (elapsed / 1e9);
  }

  /**
   * One stream. The sender thread alone calls into the ClientCall after start (request aside), so
   * it needs no lock for that; the lock only pairs the sender's readiness wait with onReady.
   */
  private static final class Stream extends ClientCall.Listener<Message> {
    final ClientCall<Message, Message> call;
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    /** Written only by the transport thread; read after closed completes. */
    private int received;

    Stream(ClientCall<Message, Message> call) {
      this.call = call;
    }

    void start() {
      call.start(this, new Metadata());
      call.request(Integer.MAX_VALUE);
    }

    void send(CountDownLatch go, Message payload, int messages) {
      try {
        go.await();
        for (int i = 0; i < messages; i++) {
          awaitReady();
          call.sendMessage(payload);
        }
        call.halfClose();
      } catch (InterruptedException | RuntimeException e) {
        call.cancel("the sender failed", e);
        closed.completeExceptionally(e);
      }
    }

    private void awaitReady() throws InterruptedException {
      if (call.isReady()) {
        return;
      }
      lock.lock();
      try {
        // onReady takes this lock to signal, so a change after this check cannot be missed;
        // the timed wait only guards against a call that ends while not ready.
        while (!call.isReady() && !closed.isDone()) {
          ready.await(100, TimeUnit.MILLISECONDS);
        }
      } finally {
        lock.unlock();
      }
    }

    int received() {
      return received;
    }

    @Override
    public void onReady() {
      lock.lock();
      try {
        ready.signal();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onMessage(Message message) {
      received++;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(status);
    }
  }
}
