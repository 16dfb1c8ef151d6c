package dev.grpcloop.adapter;

import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
   * bounded. Wakes when the transport is ready again, or when the call ends.
   *
   * @param message the message; not null
   * @throws StatusException if the call was cancelled, its deadline passed, or grpc ended it,
   *     before or while waiting, or while grpc had the message: let it propagate out of the
   *     handler. {@code INTERNAL} ("the response could not be serialized", the marshaller's
   *     exception as its cause) once a response of this call failed to serialize: from the send of
   *     that response where the transport serializes it inside the send (Netty), or where
   *     the marshaller's {@code stream} itself throws; otherwise from the first send or recv after
   *     the client read it (the in-process transport hands the client the unread stream). grpc
   *     resets the stream: the client sees {@code CANCELLED}, not this status
   * @throws InterruptedException if the calling thread is interrupted while waiting
   * @throws IllegalStateException if called after the handler returned, by a second thread while
   *     another is inside it, or from a unary or client-streaming handler (which return instead)
   */
  void send(RespT message) throws InterruptedException, StatusException;

  /**
   * {@link #send(Object)}, waiting at most {@code timeout} for the transport: the same results, or
   * a {@link TimeoutException} if it was not ready in time, in which case the message was not
   * sent. A timeout does not end the call.
   *
   * @throws TimeoutException if the transport was not ready within {@code timeout}
   */
  void send(RespT message, long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException;

  /**
   * Turns compression on or off for the messages sent after this returns. On by default, but it
   * only has an effect once {@link #setCompression} chose a compressor the client accepts. Never
   * blocks.
   *
   * @param enabled whether the next messages are compressed
   * @throws IllegalStateException if the call is closed
   */
  void setMessageCompression(boolean enabled);
}
