/**
 * The Go article's streaming loop for grpc-java: each call's handler on a thread of its own,
 * {@code recv} and {@code send} that block, end-of-stream told apart from every error. Only
 * {@code java.*} and {@code io.grpc.*}: copy this package into a project of your own.
 *
 * <h2>Server</h2>
 *
 * <pre>{@code
 * static void echoStream(ServerStream<Message, Message> stream) throws Exception {
 *   for (Message msg; (msg = stream.recv()) != null; ) {   // null: the client finished
 *     stream.send(msg);
 *   }
 * }
 *
 * server.addService(BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
 *     BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), Echo::echoStream)));
 * }</pre>
 *
 * <p>{@link dev.grpcloop.adapter.BlockingServerCalls} binds a handler of each kind ({@link
 * dev.grpcloop.adapter.BlockingServerCalls.UnaryHandler unary}, server-streaming,
 * client-streaming, bidirectional) and builds services; a handler sees its call as {@link
 * dev.grpcloop.adapter.ServerCallScope}, {@link dev.grpcloop.adapter.ServerRecvStream}, {@link
 * dev.grpcloop.adapter.ServerSendStream} or {@link dev.grpcloop.adapter.ServerStream}.
 *
 * <h2>Client</h2>
 *
 * <p>{@link dev.grpcloop.adapter.BlockingClientCalls} starts calls of each kind, and each kind gets
 * a type with only what it can do, used with try-with-resources: {@link
 * dev.grpcloop.adapter.ClientRecvStream} for a server-streaming call (recv), {@link
 * dev.grpcloop.adapter.ClientSendStream} for a client-streaming call (send, then closeAndRecv),
 * {@link dev.grpcloop.adapter.ClientStream} for a bidirectional one (send, recv, closeSend), and
 * {@link dev.grpcloop.adapter.ClientUnaryCall} for a unary call whose metadata is read; {@link
 * dev.grpcloop.adapter.ClientCallScope} is what they share (headers, trailers, cancel, close).
 *
 * <h2>The concurrency contract</h2>
 *
 * <ul>
 *   <li>One thread may send while another receives; two threads must not both send, or both
 *       receive, on one stream at the same time (the second gets an {@link
 *       java.lang.IllegalStateException}). Everything else may be called from any thread.
 *   <li>{@code recv} and {@code send} block; every wait is interruptible, has a timed variant, and
 *       ends promptly when the call ends, whoever ends it.
 *   <li>End-of-stream ({@code null} from {@code recv}) means the peer finished sending, and only
 *       that: a call that was cancelled, or whose deadline passed, throws from {@code recv}
 *       whatever was buffered or half-closed before. A client stream closed without {@code
 *       closeSend} is cancelled, never half-closed.
 *   <li>A call holds a bounded number of bytes and messages it received but nobody took; a sender
 *       waits while the transport is not ready. Memory per call stays bounded both ways.
 *   <li>grpc's callbacks never block: they record an event and wake a waiting thread. A server
 *       whose services are all bound here may run on {@code directExecutor()}. A client call runs
 *       its callbacks on the application thread parked in it (in recv, send, headers or
 *       trailers), and, while none is, at once on the transport's thread: no hand-off through the
 *       channel's executor, and never a callback left waiting for a thread that may not come.
 *   <li>No thread outlives its call: a server handler's helpers ({@link
 *       dev.grpcloop.adapter.ServerCallScope#fork}) are stopped before the call closes, and a
 *       client's sender is interrupted when its stream is closed.
 * </ul>
 *
 * <p>Inside, each call is one state machine ({@code CallCore}, with its transition table), shared
 * by the server's and the client's call.
 */
package dev.grpcloop.adapter;
