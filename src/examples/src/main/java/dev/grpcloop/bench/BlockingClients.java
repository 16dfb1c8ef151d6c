package dev.grpcloop.bench;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Channel;
import io.grpc.StatusException;
import io.grpc.stub.BlockingClientCall;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The two blocking clients of the client scenarios, written the way an application would: the
 * adapter's {@link ClientStream} and grpc-java's own {@link BlockingClientCall} (its {@code
 * newBlockingV2Stub}). Each runs on threads from the factory it is given: of the kind the run asks
 * for ({@code bench.client.threads}: virtual, the adapter's home, or platform; {@link #threads}), or
 * the event-loop mode's callers; a receiver and, for streaming, a sender. The raw async client they are compared with is {@link PingPong} and {@link Pipelined}.
 */
final class BlockingClients {
  private BlockingClients() {}

  /** One blocking stream as both clients offer it: the least the scenarios need. */
  private interface Stream extends AutoCloseable {
    boolean send(Message message) throws Exception;

    /** The next echo, or null at the end. */
    Message recv() throws Exception;

    void closeSend();

    @Override
    void close();
  }

  /** Which client. */
  enum Kind {
    /** The adapter's ClientStream ({@link BlockingClientCalls#bidiStreaming}). */
    ADAPTER,
    /** grpc-java's BlockingClientCall ({@code EchoServiceGrpc.newBlockingV2Stub}). */
    GRPC_BLOCKING_V2
  }

  private static Stream open(Kind kind, Channel channel) {
    return switch (kind) {
      case ADAPTER -> {
        ClientStream<Message, Message> s =
            BlockingClientCalls.bidiStreaming(channel, EchoClient.ECHO);
        yield new Stream() {
          @Override
          public boolean send(Message message) throws InterruptedException {
            return s.send(message);
          }

          @Override
          public Message recv() throws InterruptedException, StatusException {
            return s.recv();
          }

          @Override
          public void closeSend() {
            s.closeSend();
          }

          @Override
          public void close() {
            s.close();
          }
        };
      }
      case GRPC_BLOCKING_V2 -> {
        BlockingClientCall<Message, Message> c =
            EchoServiceGrpc.newBlockingV2Stub(channel).echoStream();
        yield new Stream() {
          private boolean ended;

          @Override
          public boolean send(Message message) throws InterruptedException, StatusException {
            return c.write(message);
          }

          @Override
          public Message recv() throws InterruptedException, StatusException {
            Message m = c.read();
            ended = m == null;
            return m;
          }

          @Override
          public void closeSend() {
            c.halfClose();
          }

          @Override
          public void close() {
            if (!ended) {
              c.cancel("the benchmark closed the stream", null);
            }
          }
        };
      }
    };
  }

  /**
   * Ping-pong on one stream for {@code length}: send one message, wait for its echo, again; every
   * round trip timed.
   */
  static PingPong.Result pingPong(Kind kind, Channel channel, Duration length,
      ThreadFactory threads) throws Exception {
    Message ping = EchoClient.message(BenchOptions.PINGPONG_BYTES);
    return onThread(threads, length.plusSeconds(30), () -> {
      LongSamples roundTrips = new LongSamples();
      long start;
      long last;
      try (Stream stream = open(kind, channel)) {
        start = System.nanoTime();
        long deadline = start + length.toNanos();
        for (;;) {
          long sentAt = System.nanoTime();
          if (!stream.send(ping)) {
            throw new IOException("the stream ended while ping-ponging");
          }
          if (stream.recv() == null) {
            throw new IOException("the server ended the stream while ping-ponging");
          }
          last = System.nanoTime();
          roundTrips.add(last - sentAt);
          if (last - deadline >= 0) {
            break;
          }
        }
        stream.closeSend();
        if (stream.recv() != null) {
          throw new IOException("an echo nobody sent");
        }
      }
      double seconds = (last - start) / 1e9;
      return new PingPong.Result(roundTrips.size() / seconds,
          roundTrips.percentile(50) / 1e3, roundTrips.percentile(99) / 1e3);
    });
  }

  /**
   * The Go article's client on one stream: a sender thread sends {@code messages} 32-byte
   * messages as fast as flow control lets it and then closes its side, while the receiver counts
   * the echoes until the server ends the stream. Returns the echoes per second.
   */
  static double stream(Kind kind, Channel channel, int messages, Duration timeout,
      ThreadFactory threads) throws Exception {
    Message payload = EchoClient.message(BenchOptions.MESSAGE_BYTES);
    return onThread(threads, timeout, () -> {
      try (Stream stream = open(kind, channel)) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        long start = System.nanoTime();
        Thread sender = threads.newThread(() -> {
          try {
            for (int i = 0; i < messages; i++) {
              if (!stream.send(payload)) {
                throw new IOException("the stream ended after " + i + " messages");
              }
            }
            stream.closeSend();
            sent.complete(null);
          } catch (Throwable t) {
            sent.completeExceptionally(t);
            stream.close();
          }
        });
        sender.start();
        int received = 0;
        while (stream.recv() != null) {
          received++;
        }
        long elapsed = System.nanoTime() - start;
        sender.join();
        sent.get();
        if (received != messages) {
          throw new IOException("the stream got " + received + " echoes of " + messages);
        }
        return messages / (elapsed / 1e9);
      }
    });
  }

  /** Threads of the kind a run asks for: virtual, or platform (daemons). */
  static ThreadFactory threads(boolean virtual) {
    return (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon()).name("bench-client-", 0)
        .factory();
  }

  /** Runs {@code body} on a new thread from {@code threads}, waiting at most {@code limit}. */
  private static <T> T onThread(ThreadFactory threads, Duration limit, Callable<T> body)
      throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread = threads.newThread(() -> {
      try {
        result.complete(body.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    thread.start();
    try {
      return result.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      thread.interrupt();
      throw e;
    }
  }
}
