package dev.grpcloop.adapter;

import io.grpc.Metadata;

/**
 * What every blocking server handler can see of its own call, whatever its kind: the request
 * headers, the response headers and trailers, and whether the client still wants an answer.
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
 * <p>Thread safety: every method may be called from any thread while the handler runs. After the
 * handler has returned, the call is closed and the methods that change it throw {@link
 * IllegalStateException}.
 */
public interface ServerCallScope {

  /** The headers the client sent with the call. Never blocks. */
  Metadata requestHeaders();

  /**
   * Sends the response headers now. Optional: without it, empty headers go out before the first
   * message, or with the status if there is none. Never blocks.
   *
   * @throws IllegalStateException if headers were already sent (by this method or by a first
   *     {@code send}), or the call is closed
   */
  void sendHeaders(Metadata headers);

  /**
   * Adds entries to the trailers that go out with the call's status when the handler returns or
   * throws. May be called many times; the entries accumulate. If the handler throws a {@link
   * io.grpc.StatusException} with trailers of its own, both sets are sent. Never blocks.
   *
   * @throws IllegalStateException if the call is closed
   */
  void setTrailers(Metadata trailers);

  /**
   * Compresses the call's responses with the named compressor, if the client accepts it; if it
   * does not, they go out uncompressed. A default grpc server knows {@code "gzip"}; {@code
   * "identity"} means no compression. Call it before the response headers go out: before {@link
   * #sendHeaders} and before the first message. Each message can then opt out with {@link
   * ServerSendStream#setMessageCompression}. Never blocks.
   *
   * @param compressorName a name registered in the server's {@link io.grpc.CompressorRegistry}
   * @throws IllegalStateException if headers were already sent, or the call is closed
   * @throws IllegalArgumentException if the server knows no compressor of that name
   */
  void setCompression(String compressorName);

  /**
   * Whether the call was cancelled: the client cancelled it or went away, or its deadline passed.
   * Once true, {@code recv} and {@code send} throw, and nothing more reaches the client. Never
   * blocks.
   */
  boolean isCancelled();
}
