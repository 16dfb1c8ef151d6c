package dev.grpcloop.adapter;

import io.grpc.Metadata;

/**
 * What every blocking client call has, whatever its kind: the response headers and trailers, and
 * the two ways to end it early, {@link #cancel} and {@link #close}. The client's twin of {@link
 * ServerCallScope}; each kind's type adds its own operations: {@link ClientRecvStream}
 * (server-streaming), {@link ClientSendStream} (client-streaming), {@link ClientStream}
 * (bidirectional) and {@link ClientUnaryCall} (unary, with metadata).
 *
 * <p>It is {@link AutoCloseable}: closing a call that is still running cancels it, so the server
 * always hears the end, and never takes an abandoned call for a complete one. With
 * try-with-resources, the Go article's "forgot CloseSend, the server's goroutine leaks" pitfall
 * cannot happen.
 *
 * <p>Deadlines and cancellation come from grpc's own {@link io.grpc.CallOptions} and {@link
 * io.grpc.Context}, given when the call is made.
 *
 * <p>Thread safety: every method here may be called from any thread at any time; {@link #headers}
 * and {@link #trailers} block, {@link #cancel} and {@link #close} never do.
 */
public interface ClientCallScope extends AutoCloseable {

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
   * Call it once the responses are all received ({@code recv} has returned null or thrown, or the
   * one response was returned or the call failed), as in grpc-go: until then, responses not yet
   * received hold back the end of the call, and this would wait for them.
   *
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  Metadata trailers() throws InterruptedException;

  /**
   * Cancels the call: the server sees {@code CANCELLED} if the call is still running, responses
   * not yet received are dropped, and threads waiting to receive or send stop waiting at once.
   * From then on, on any thread, waiting or not, {@code recv} throws {@code CANCELLED} with {@code
   * message} and {@code cause} (or the error the call had already failed with), and {@code send}
   * returns false; a call whose end {@code recv} had already returned stays as it was. So a call
   * that grpc ended OK, but whose end was not yet received, reads as cancelled: cancel wins over
   * end-of-stream. A cancel of the Context the call was made in, while it runs, does the same with
   * the Context's status. Never blocks. Calling it again does nothing, unless grpc's cancel threw.
   *
   * @param message why, for the status description; may be null
   * @param cause the exception behind it; may be null
   * @throws RuntimeException what a client interceptor's {@code cancel} threw: the call has failed
   *     here all the same, and the next cancel or close tells grpc again
   */
  void cancel(String message, Throwable cause);

  /**
   * Ends the call for good: a {@link #cancel} with {@code CANCELLED} ("the client closed the
   * stream"), which never half-closes first (the server never sees an abandoned stream as one
   * that finished), and which interrupts the thread {@code startSender} started. Never blocks.
   * Calling it again does nothing (and interrupts nobody), unless grpc's cancel threw.
   *
   * @throws RuntimeException what a client interceptor's {@code cancel} threw, as {@link #cancel}
   */
  @Override
  void close();
}
