package dev.grpcloop.adapter;

import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The receiving half of a server call: the client's messages, one {@link #recv} at a time. Given
 * to client-streaming handlers; bidirectional handlers get it as part of {@link ServerStream}.
 *
 * <pre>{@code
 * Total sum(ServerRecvStream<Number> numbers) throws Exception {
 *   long sum = 0;
 *   for (Number n; (n = numbers.recv()) != null; ) {   // null: the client finished
 *     sum += n.getValue();
 *   }
 *   return Total.newBuilder().setSum(sum).build();   // returning ends the call OK
 * }
 * }</pre>
 *
 * <p>Thread safety, as in grpc-go: one thread may call {@code recv} while another sends, but two
 * threads must not call {@code recv} at the same time; if they do, the second gets an {@link
 * IllegalStateException}.
 *
 * @param <ReqT> the client's message type
 */
public interface ServerRecvStream<ReqT> extends ServerCallScope {

  /**
   * Returns the client's next message, or {@code null} once the client has finished sending
   * (end-of-stream, Go's {@code io.EOF}). Blocks until one of these, or an error.
   *
   * <p>End-of-stream means the client half-closed: it is never returned for a call that was
   * cancelled, even after a half-close. The call holds at most a bounded number of bytes of
   * messages not yet received (see {@link BlockingServerCalls.Options#withMaxBufferedBytes}), so a
   * client that floods the server cannot grow its memory.
   *
   * @return the next message, or null at a clean end of the client's stream
   * @throws StatusException if the call was cancelled, its deadline passed, or the transport
   *     failed: {@code CANCELLED} or {@code DEADLINE_EXCEEDED} (a client's deadline may arrive as
   *     {@code CANCELLED}, when the client's timer fires first and its reset says only "cancel");
   *     {@code INTERNAL} once a response could not be serialized (see {@link
   *     ServerSendStream#send}). Thrown promptly, whatever was buffered; let it propagate out of
   *     the handler.
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if called again after it returned null, after the call was
   *     closed, or by a second thread while another is inside it
   */
  ReqT recv() throws InterruptedException, StatusException;

  /**
   * {@link #recv()}, waiting at most {@code timeout}: the same results, or a {@link
   * TimeoutException} if none came in time. A timeout does not end the call; recv may be called
   * again.
   *
   * @throws TimeoutException if no message, end or error came within {@code timeout}
   */
  ReqT recv(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException;
}
