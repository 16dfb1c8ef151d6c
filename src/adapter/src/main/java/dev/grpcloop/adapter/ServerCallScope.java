package dev.grpcloop.adapter;

import io.grpc.Attributes;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * What every blocking server handler can see and set of its own call, whatever its kind: request
 * headers, response headers and trailers, who called and how, and whether the client still wants
 * an answer; and helper threads that live inside the call.
 *
 * <pre>{@code
 * static final Metadata.Key<String> REQUEST_ID =
 *     Metadata.Key.of("request-id", Metadata.ASCII_STRING_MARSHALLER);
 *
 * Reply handle(Request request, ServerCallScope call) {
 *   String id = call.requestHeaders().get(REQUEST_ID);
 *   Metadata trailers = new Metadata();
 *   trailers.put(REQUEST_ID, id);      // goes out with the status, OK or not
 *   call.setTrailers(trailers);
 *   return Reply.newBuilder().setRequestId(id).build();
 * }
 * }</pre>
 *
 * <p>The handler runs inside the call's {@link io.grpc.Context}: {@code Context.current()} carries
 * the call's deadline and cancellation, so calls the handler makes to other services inherit both.
 *
 * <p>Thread safety: every method may be called from any thread while the handler runs; none
 * blocks. Once the handler has returned, the call is closed and the methods that change it throw
 * {@link IllegalStateException}.
 */
public interface ServerCallScope {

  /** The headers the client sent with the call. */
  Metadata requestHeaders();

  /**
   * Sends the response headers now. Optional: without it, empty headers go out before the first
   * message, or with the status if there is none.
   *
   * @throws IllegalStateException if headers were already sent (by this method or by a first
   *     {@code send}), or the call is closed
   */
  void sendHeaders(Metadata headers);

  /**
   * Adds entries to the trailers that go out with the call's status when the handler returns or
   * throws. May be called many times; the entries accumulate. If the handler throws a {@link
   * io.grpc.StatusException} with trailers of its own, both sets are sent.
   *
   * @throws IllegalStateException if the call is closed
   */
  void setTrailers(Metadata trailers);

  /**
   * Compresses the call's responses with the named compressor, if the client accepts it; if it
   * does not, they go out uncompressed. A default grpc server knows {@code "gzip"}; {@code
   * "identity"} means none. Call it before the response headers go out. Each message can then opt
   * out with {@link ServerSendStream#setMessageCompression}.
   *
   * @param compressorName a name registered in the server's {@link io.grpc.CompressorRegistry}
   * @throws IllegalStateException if headers were already sent, or the call is closed
   * @throws IllegalArgumentException if the server knows no compressor of that name
   */
  void setCompression(String compressorName);

  /**
   * Whether the call was cancelled: the client cancelled it or went away, its deadline passed,
   * grpc ended it, or a response could not be serialized. Once true, {@code recv} and {@code send}
   * throw, and nothing more reaches the client.
   */
  boolean isCancelled();

  /**
   * The transport's attributes of the call, for example the client's address under {@link
   * io.grpc.Grpc#TRANSPORT_ATTR_REMOTE_ADDR}.
   */
  Attributes attributes();

  /** The authority the client called (its {@code :authority} header), or null if unknown. */
  String authority();

  /** The method called, as the service bound it. */
  MethodDescriptor<?, ?> method();

  /** The call's deadline, or null if it has none. */
  Deadline deadline();

  /**
   * Starts {@code task} on a new virtual thread inside the call's Context: a helper that cannot
   * outlive the call, such as a sender that streams while the handler receives.
   *
   * <ul>
   *   <li>If the task throws, the call fails with what it threw, as if the handler had thrown it,
   *       and the handler's thread is interrupted so that it stops waiting in recv or send.
   *   <li>When the handler returns or throws, every helper still running is interrupted and
   *       waited for, one second at most in all; then the call is closed: with the first
   *       helper's failure while the handler ran, else with the handler's outcome. Write helpers
   *       that stop when interrupted (recv, send and {@code java.util.concurrent} waits do): then
   *       none outlives the call, and nothing a helper does comes after the call's status.
   *   <li>A helper still running after that wait (it swallowed the interrupt, or it is where an
   *       interrupt does not reach, such as {@code Lock.lock()} or a busy loop) is logged
   *       as a WARNING that names its thread, and left to end by itself: the call is closed
   *       without it, nothing waits for it, its recv and send throw {@link
   *       IllegalStateException}, and what it throws then is logged (an {@code
   *       InterruptedException} excepted), never sent.
   *   <li>A cancel or a passed deadline does not interrupt the handler or its helpers: their recv
   *       and send throw, and the call's Context is cancelled; the wait above begins once the
   *       handler has returned.
   * </ul>
   *
   * @return the helper's thread, already started
   * @throws IllegalStateException if the handler has already finished
   */
  Thread fork(Task task);

  /** The body of a helper thread, see {@link #fork}. */
  @FunctionalInterface
  interface Task {
    /**
     * Does the helper's work.
     *
     * @throws Exception to fail the call
     */
    void run() throws Exception;
  }
}
