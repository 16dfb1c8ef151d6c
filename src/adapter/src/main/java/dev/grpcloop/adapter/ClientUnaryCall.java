package dev.grpcloop.adapter;

import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A unary call whose metadata can be read: its one {@link #response}, then its {@link #headers}
 * and {@link #trailers}. Made by {@link BlockingClientCalls#unaryCall}; a call without metadata is
 * simpler with {@link BlockingClientCalls#unary}.
 *
 * <pre>{@code
 * try (ClientUnaryCall<Number> call = BlockingClientCalls.unaryCall(
 *     channel, NumbersGrpc.getSquareMethod(), CallOptions.DEFAULT, requestHeaders, number)) {
 *   Number square = call.response();
 *   Metadata trailers = call.trailers();
 * }
 * }</pre>
 *
 * <p>A type of its own, not a {@link ClientRecvStream}: a unary call has exactly one response,
 * which {@link #response} returns or fails for ({@code INTERNAL} if the server sent none or more),
 * where a stream's {@code recv} loop would leave that check to the caller. The request was sent
 * and closed when the call started, so there is nothing to send either.
 *
 * <p>Thread safety: one thread waits in {@link #response} at a time; a second gets an {@link
 * IllegalStateException}. The methods of {@link ClientCallScope} may be called from any thread at
 * any time.
 *
 * @param <RespT> the response type
 */
public interface ClientUnaryCall<RespT> extends ClientCallScope {

  /**
   * Returns the call's one response. Blocks until the call ends.
   *
   * @return the server's response
   * @throws StatusException if the call failed (the server's status, a deadline, a cancellation
   *     or a {@link #close} on any thread, with its trailers), or the server sent no response or
   *     more than one ({@code INTERNAL}: the call is cancelled, and every later try throws it too)
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if called again after it returned, or by a second thread while
   *     another is inside it
   */
  RespT response() throws InterruptedException, StatusException;

  /**
   * {@link #response()}, waiting at most {@code timeout} for the call to end: the same results, or
   * a {@link TimeoutException} if it did not end in time. A timeout does not end the call:
   * response may be called again, and returns the response even if this one had already received
   * it.
   *
   * @throws TimeoutException if the call did not end within {@code timeout}
   */
  RespT response(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException;
}
