package dev.grpcloop.adapter;

/**
 * A bidirectional server call in blocking style: {@link #recv} the client's messages until
 * end-of-stream, {@link #send} replies, and return to end the call with {@code OK}.
 *
 * <pre>{@code
 * void echoStream(ServerStream<Message, Message> stream) throws Exception {
 *   for (;;) {
 *     Message msg = stream.recv();
 *     if (msg == null) {
 *       return; // the client finished sending: clean exit
 *     }
 *     stream.send(msg);
 *   }
 * }
 * }</pre>
 *
 * <p>Thread safety, as in grpc-go: one thread may call {@code recv} while another calls {@code
 * send} on the same stream, but two threads must not both send, or both receive, at the same time.
 * A second concurrent sender or receiver gets an {@link IllegalStateException}.
 *
 * @param <ReqT> the client's message type
 * @param <RespT> the server's message type
 */
public interface ServerStream<ReqT, RespT>
    extends ServerRecvStream<ReqT>, ServerSendStream<RespT> {}
