package dev.grpcloop.adapter;

import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server-streaming call in blocking style: the request went out when the call started, and
 * {@link #recv} returns the server's responses until end-of-stream. There is nothing to send: the
 * type has no {@code send}, as grpc-go's {@code ServerStreamingClient} has only {@code Recv}.
 * Made by {@link BlockingClientCalls#serverStreaming}.
 *
 * <pre>{@code
 * try (ClientRecvStream<Tick> ticks = stub.countdown(Start.newBuilder().setFrom(3).build())) {
 *   for (Tick t; (t = ticks.recv()) != null; ) {   // null: the server finished
 *     System.out.println(t.getValue());
 *   }
 * }
 * }</pre>
 *
 * <p>Closing it (try-with-resources) before the end cancels the call; see {@link
 * ClientCallScope}.
 *
 * <p>Thread safety, as in grpc-go: two threads must not both receive at the same time; a second
 * concurrent receiver gets an {@link IllegalStateException}. The methods of {@link
 * ClientCallScope} may be called from any thread at any time: a receiver waiting when another
 * thread closes or cancels the call throws {@code CANCELLED}, as one that comes after does.
 *
 * @param <RespT> the response type
 */
public interface ClientRecvStream<RespT> extends ClientCallScope {

  /**
   * Returns the next response, or {@code null} once the server has finished the call with {@code
   * OK} and every response has been returned. Blocks until one of these, or an error.
   *
   * <p>What the server sent is never dropped: the responses that arrived before its status are
   * returned first, whatever the status's code, as grpc's own {@code ClientCall} delivers them and
   * as in grpc-go (a server that passes on a downstream timeout as {@code DEADLINE_EXCEEDED} has
   * its responses read). Only this side drops responses not yet returned, and then recv throws at
   * once: with {@link #cancel} or {@link #close}, or when this side's deadline passes (or its
   * {@link io.grpc.Context} is cancelled) before grpc has handed over the server's status.
   *
   * @return the next response, or null at a clean end of the call
   * @throws StatusException with the call's status and trailers when it ended with an error: the
   *     server's status, this side's deadline ({@code DEADLINE_EXCEEDED}), or a cancellation
   *     ({@code CANCELLED}: {@link #cancel} or {@link #close} on any thread, or a {@link
   *     ClientStream#startSender} loop that failed, with its exception as cause)
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if called again after it returned null, or by a second thread
   *     while another is inside it
   */
  RespT recv() throws InterruptedException, StatusException;

  /**
   * {@link #recv()}, waiting at most {@code timeout}: the same results, or a {@link
   * TimeoutException} if none came in time. A timeout does not end the call; recv may be called
   * again.
   *
   * @throws TimeoutException if no response, end or error came within {@code timeout}
   */
  RespT recv(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException;
}
