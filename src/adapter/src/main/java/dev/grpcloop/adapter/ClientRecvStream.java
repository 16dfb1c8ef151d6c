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
 * ClientCallScope} may be called from any thread at any time.
 *
 * @param <RespT> the response type
 */
public interface ClientRecvStream<RespT> extends ClientCallScope {

  /**
   * Returns the next response, or {@code null} once the server has finished the call with {@code
   * OK} and every response has been returned. Blocks until one of these, or an error. Responses
   * that arrived before an error are returned first, as in grpc-go.
   *
   * @return the next response, or null at a clean end of the call
   * @throws StatusException with the call's status and trailers when it ended with an error: the
   *     server's status, a deadline ({@code DEADLINE_EXCEEDED}), or a cancellation ({@code
   *     CANCELLED}, with the sender's exception as cause if a {@link ClientStream#startSender} loop
   *     failed)
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if called again after it returned null, after {@link #close},
   *     or by a second thread while another is inside it
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
