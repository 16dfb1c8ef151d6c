package dev.grpcloop.adapter;

import io.grpc.Metadata;
import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client call in blocking style: {@link #send} requests, {@link #closeSend} when done, and
 * {@link #recv} responses until end-of-stream. Made by {@link BlockingClientCalls}.
 *
 * <p>The Go article's client, sending from one thread and receiving in another:
 *
 * <pre>{@code
 * try (ClientStream<Message, Message> stream =
 *     BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
 *   stream.startSender(() -> {          // closeSend() when this returns, like Go's defer
 *     for (int i = 0; i < 3; i++) {
 *       if (!stream.send(Message.newBuilder().setText("hello " + i).build())) {
 *         return;                        // the call is over: recv() tells why
 *       }
 *     }
 *   });
 *   for (;;) {
 *     Message resp = stream.recv();
 *     if (resp == null) {
 *       break;                           // the server finished sending
 *     }
 *     System.out.println("received: " + resp.getText());
 *   }
 * }
 * }</pre>
 *
 * <p>It is {@link AutoCloseable}: closing a stream whose call is still running cancels it, so the
 * server always hears the end, and never takes an abandoned stream for a complete one: only
 * {@link #closeSend} tells the server that the requests are complete. With try-with-resources, the
 * Go article's "forgot CloseSend, the server's goroutine leaks" pitfall cannot happen. To upload
 * and leave, read the response ({@link #closeAndRecv}) before the block ends.
 *
 * <p>Deadlines and cancellation come from grpc's own {@link io.grpc.CallOptions} and {@link
 * io.grpc.Context}, given when the call is made.
 *
 * <p>Thread safety, as in grpc-go: one thread may send (and closeSend) while another receives, but
 * two threads must not both send, or both receive, at the same time; a second concurrent sender or
 * receiver gets an {@link IllegalStateException}. {@link #cancel} and {@link #close} may be called
 * from any thread at any time.
 *
 * @param <ReqT> the request type
 * @param <RespT> the response type
 */
public interface ClientStream<ReqT, RespT> extends AutoCloseable {

  /**
   * Sends one request. Blocks while the transport is not ready to take it (the server reads slower
   * than this sends), so memory stays bounded.
   *
   * @param message the request; not null
   * @return true if the request was handed to the transport; false if the call is already over
   *     (like Go's {@code io.EOF} from Send), in which case {@link #recv} tells how it ended. It
   *     returns false promptly once the server has finished, whether or not anyone is in recv.
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException after {@link #closeSend} or {@link #close}, or if another thread
   *     is inside send
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
   * Tells the server that no more requests will come (a half-close: the server's {@code recv}
   * returns end-of-stream). Never blocks. Calling it again does nothing.
   */
  void closeSend();

  /**
   * Returns the next response, or {@code null} once the server has finished the call with {@code
   * OK} and every response has been returned. Blocks until one of these, or an error. Responses
   * that arrived before an error are returned first, as in grpc-go.
   *
   * @return the next response, or null at a clean end of the call
   * @throws StatusException with the call's status and trailers when it ended with an error: the
   *     server's status, a deadline ({@code DEADLINE_EXCEEDED}), or a cancellation ({@code
   *     CANCELLED}, with the sender's exception as cause if a {@link #startSender} loop failed)
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

  /**
   * Half-closes and returns the one response of a client-streaming (or unary) call, like grpc-go's
   * {@code CloseAndRecv}. Blocks until the call ends. It half-closes at once: with a {@link
   * #startSender} loop, call it only after the sender thread has ended (join it), or use {@link
   * #recv}.
   *
   * @throws StatusException if the call failed, or the server sent no response or more than one
   *     ({@code INTERNAL})
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  RespT closeAndRecv() throws InterruptedException, StatusException;

  /**
   * Runs {@code loop} on a new virtual thread that owns the sending side: when the loop returns,
   * {@link #closeSend} is called (Go's {@code defer stream.CloseSend()}); if it throws, the call is
   * cancelled with the exception as the cause, so the receiving thread's {@link #recv} throws
   * {@code CANCELLED} carrying it. {@link #close} interrupts a loop still running.
   *
   * @param loop the sending loop; it may call {@link #send} and should return when send returns
   *     false
   * @return the sender thread
   * @throws IllegalStateException if a sender was already started
   */
  Thread startSender(SendLoop loop);

  /** The body of a sender thread, see {@link #startSender}. */
  @FunctionalInterface
  interface SendLoop {
    /**
     * Sends requests until done.
     *
     * @throws Exception to cancel the call
     */
    void run() throws Exception;
  }

  /**
   * The response headers. Blocks until they arrive or the call ends.
   *
   * @return the headers; null if the call ended without any (a trailers-only response, such as
   *     an error before the first message), as opposed to headers that are empty
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  Metadata headers() throws InterruptedException;

  /**
   * The trailers the call ended with, on success and on error alike. Blocks until the call ends.
   * Call it once {@link #recv} has returned null or thrown, as in grpc-go: until then, responses
   * not yet received hold back the end of the call, and this would wait for them.
   *
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  Metadata trailers() throws InterruptedException;

  /**
   * Cancels the call: the server sees {@code CANCELLED}, responses not yet received are dropped,
   * and {@link #recv} and {@link #send} stop waiting at once. Never blocks. Does nothing once the
   * call is over.
   *
   * @param message why, for the status description; may be null
   * @param cause the exception behind it; may be null
   */
  void cancel(String message, Throwable cause);

  /**
   * Ends the stream for good: cancels the call if it is still running (the server sees {@code
   * CANCELLED}, never end-of-stream: it never half-closes), drops responses not yet received, and
   * interrupts a {@link #startSender} loop still running. Does nothing to a call that is over.
   * Never blocks. Calling it again does nothing. After it, send and recv throw {@link
   * IllegalStateException}.
   */
  @Override
  void close();
}
