package dev.grpcloop.bench;

import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pingpong client: one stream, one 16-byte message in flight. Each echo sends the next
 * message at once, from the callback, until the round's time is up; every round trip is timed.
 */
final class PingPong {
  private PingPong() {}

  /** One round's figures. */
  record Result(double roundTripsPerSecond, double p50Micros, double p99Micros) {}

  static Result run(Channel channel, Duration length)
      throws IOException, InterruptedException, TimeoutException {
    Message ping = EchoClient.message(BenchOptions.PINGPONG_BYTES);
    ClientCall<Message, Message> call = channel.newCall(EchoClient.ECHO, CallOptions.DEFAULT);
    Round round = new Round(call, ping);
    round.start(length);
    Status status;
    try {
      status = round.closed.get(length.toMillis() + 30_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException("pingpong failed", e.getCause());
    } catch (TimeoutException e) {
      call.cancel("pingpong round timed out", null);
      throw e;
    }
    if (!status.isOk()) {
      throw new IOException("pingpong stream ended with " + status);
    }
    return round.result();
  }

  /** One stream's state. The lock serialises calls into the ClientCall, which is not thread-safe. */
  private static final class Round extends ClientCall.Listener<Message> {
    private final ClientCall<Message, Message> call;
    private final Message ping;
    private final ReentrantLock lock = new ReentrantLock();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    // Guarded by lock:
    private final LongSamples roundTrips = new LongSamples();
    private long startedAt;
    private long deadline;
    private long sentAt;
    private long lastAt;

    Round(ClientCall<Message, Message> call, Message ping) {
      this.call = call;
      this.ping = ping;
    }

    void start(Duration length) {
      lock.lock();
      try {
        call.start(this, new Metadata());
        call.request(Integer.MAX_VALUE);
        startedAt = System.nanoTime();
        deadline = startedAt + length.toNanos();
        sentAt = System.nanoTime();
        call.sendMessage(ping);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onMessage(Message message) {
      long now = System.nanoTime();
      lock.lock();
      try {
        roundTrips.add(now - sentAt);
        lastAt = now;
        if (now - deadline < 0) {
          sentAt = System.nanoTime();
          call.sendMessage(ping);
        } else {
          call.halfClose();
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(status);
    }

    Result result() {
      lock.lock();
      try {
        double seconds = (lastAt - startedAt) / 1e9;
        return new Result(roundTrips.size() / seconds,
            roundTrips.percentile(50) / 1e3, roundTrips.percentile(99) / 1e3);
      } finally {
        lock.unlock();
      }
    }
  }
}
