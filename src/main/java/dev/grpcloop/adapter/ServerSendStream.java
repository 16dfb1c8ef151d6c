package dev.grpcloop.adapter;

import io.grpc.StatusException;

/**
 * The sending half of a server call: messages to the client, one {@link #send} at a time. Given to
 * server-streaming handlers; bidirectional handlers get it as part of {@link ServerStream}.
 *
 * <pre>{@code
 * void countdown(Start start, ServerSendStream<Tick> ticks) throws Exception {
 *   for (int i = start.getFrom(); i >= 0; i--) {
 *     ticks.send(Tick.newBuilder().setValue(i).build());  // waits while the client is behind
 *   }
 * }
 * }</pre>
 *
 * <p>Thread safety, as in grpc-go: one thread may call {@code send} while another receives, but two
 * threads must not call {@code send} at the same time; if they do, the second gets an {@link
 * IllegalStateException}.
 *
 * @param <RespT> the server's message type
 */
public interface ServerSendStream<RespT> extends ServerCallScope {

  /**
   * Sends one message to the client. Blocks while the transport is not ready to take it (gRPC's
   * {@code isReady} is false: the client reads slower than the handler sends), so memory stays
   * bounded. Wakes when the transport is ready again, or when the call is cancelled.
   *
   * @param message the message; not null
   * @throws StatusException if the call was cancelled, or its deadline passed, before or while
   *     waiting: {@code CANCELLED} or {@code DEADLINE_EXCEEDED} (a client's deadline may arrive as
   *     {@code CANCELLED}, when the client's timer fires first and its reset says only "cancel").
   *     Let it propagate out of the handler.
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if called after the handler returned, by a second thread while
   *     another is inside it, or by a client-streaming handler (which answers by returning)
   */
  void send(RespT message) throws InterruptedException, StatusException;

  /**
   * Turns compression on or off for the messages sent after this returns. On by default, but it
   * only has an effect once {@link #setCompression} chose a compressor the client accepts; a
   * stream can so compress some messages and not others. Never blocks.
   *
   * @param enabled whether the next messages are compressed
   * @throws IllegalStateException if the call is closed
   */
  void setMessageCompression(boolean enabled);
}
