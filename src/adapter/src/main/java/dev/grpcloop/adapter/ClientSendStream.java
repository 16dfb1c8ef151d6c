package dev.grpcloop.adapter;

import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client-streaming call in blocking style: {@link #send} the requests, then {@link
 * #closeAndRecv} the one response, as grpc-go's {@code ClientStreamingClient} has {@code Send} and
 * {@code CloseAndRecv}. There is no bare {@code recv}: the server answers only once the requests
 * are complete, so the response is read with the half-close that completes them. Made by {@link
 * BlockingClientCalls#clientStreaming}.
 *
 * <pre>{@code
 * try (ClientSendStream<Number, Number> stream = stub.sum()) {
 *   for (long n : values) {
 *     if (!stream.send(Number.newBuilder().setValue(n).build())) {
 *       break;                           // the call is over: closeAndRecv tells why
 *     }
 *   }
 *   return stream.closeAndRecv();        // half-closes, waits for the one response
 * }
 * }</pre>
 *
 * <p>Closing it (try-with-resources) before {@link #closeAndRecv} cancels the call: the server
 * never takes an abandoned upload for a complete one. To upload and leave, read the response
 * before the block ends. See {@link ClientCallScope}.
 *
 * <p>Thread safety, as in grpc-go: two threads must not both send at the same time; a second
 * concurrent sender gets an {@link IllegalStateException}. {@link #closeAndRecv} ends the sending,
 * so call it once the last {@code send} has returned. The methods of {@link ClientCallScope} may
 * be called from any thread at any time.
 *
 * @param <ReqT> the request type
 * @param <RespT> the response type
 */
public interface ClientSendStream<ReqT, RespT> extends ClientCallScope {

  /**
   * Sends one request. Blocks while the transport is not ready to take it (the server reads slower
   * than this sends), so memory stays bounded.
   *
   * <p>A request that the method's marshaller cannot serialize is handed over all the same (true):
   * grpc then ends the call, and {@code recv} or {@link #closeAndRecv} throws the status it ended
   * with. Where this side serializes the request (Netty), grpc cancels the call: {@code
   * CANCELLED} "Failed to stream message", the marshaller's exception among its causes; where the
   * server reads it (in-process), the server ends it as for any request it cannot parse: {@code
   * UNKNOWN} from a grpc-java server.
   *
   * @param message the request; not null
   * @return true if the request was handed to the transport; false if the call is already over
   *     (like Go's {@code io.EOF} from Send), in which case {@link #closeAndRecv} (or {@code
   *     recv} on a {@link ClientStream}) tells how it ended. It returns false promptly once the
   *     server has finished, whether or not anyone is waiting for its answer, and once this side
   *     has cancelled or closed the call, on any thread, whether it was waiting or came after.
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException after the requests were closed ({@link #closeAndRecv}, {@link
   *     ClientStream#closeSend}), or if another thread is inside send
   */
  boolean send(ReqT message) throws InterruptedException;

  /**
   * {@link #send(Object)}, waiting at most {@code timeout} for the transport: the same results, or
   * a {@link TimeoutException} if it was not ready in time, in which case the request was not sent.
   * A timeout does not end the call.
   *
   * @throws TimeoutException if the transport was not ready within {@code timeout}
   */
  boolean send(ReqT message, long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException;

  /**
   * Half-closes (the server's {@code recv} returns end-of-stream) and returns the call's one
   * response, like grpc-go's {@code CloseAndRecv}. Blocks until the call ends. It half-closes at
   * once: with a {@link ClientStream#startSender} loop, call it only after the sender thread has
   * ended (join it), or use {@code recv}.
   *
   * @return the server's response
   * @throws StatusException if the call failed (the server's status, a deadline, a cancellation
   *     or a {@link #close} on any thread, with its trailers), or the server sent no response or
   *     more than one ({@code INTERNAL}: the call is cancelled, and every later try throws it too)
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if called again after it returned, or by a second thread while
   *     another is receiving
   */
  RespT closeAndRecv() throws InterruptedException, StatusException;

  /**
   * {@link #closeAndRecv()}, waiting at most {@code timeout} for the call to end: the same
   * results, or a {@link TimeoutException} if it did not end in time. A timeout does not end the
   * call (the requests stay closed): closeAndRecv may be called again, and returns the response
   * even if this one had already received it.
   *
   * @throws TimeoutException if the call did not end within {@code timeout}
   */
  RespT closeAndRecv(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException;
}
