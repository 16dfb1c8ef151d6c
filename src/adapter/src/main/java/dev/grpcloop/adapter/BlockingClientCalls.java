package dev.grpcloop.adapter;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.StatusException;

/**
 * Starts client calls of the four RPC kinds in blocking style, on any {@link Channel}. Each kind
 * returns the type that has only what the kind can do, to use with try-with-resources: a
 * server-streaming call a {@link ClientRecvStream} (recv), a client-streaming call a {@link
 * ClientSendStream} (send, then closeAndRecv), a bidirectional call a {@link ClientStream} (both,
 * and closeSend). Unary returns the response, or, with {@link #unaryCall}, a {@link
 * ClientUnaryCall} whose metadata can be read.
 *
 * <pre>{@code
 * try (ClientStream<Message, Message> stream =
 *     BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Each method checks that the method's kind is its own, and fails naming the method if not.
 * Deadlines and other per-call settings go in {@link CallOptions}, including {@link
 * #MAX_BUFFERED_BYTES}; a call made inside a cancellable {@link io.grpc.Context} is cancelled with
 * it. Request headers go in {@link Metadata}. Every method may be called from any thread, and
 * none blocks but {@code unary}.
 *
 * <p>A call's executor is the adapter's own, whatever the channel's or the {@link CallOptions}'
 * one: grpc's callbacks, and those of client interceptors' listeners, run on the application
 * thread parked in the call (in recv, send, headers or trailers), as in grpc-java's blocking
 * stubs, or, while none is, on the transport's thread, as on a {@code directExecutor()} channel.
 * A listener of an interceptor on such a call should therefore not block.
 */
public final class BlockingClientCalls {
  private BlockingClientCalls() {}

  /**
   * No more responses are asked of the transport while a call holds this many bytes of them that
   * were not received yet. Default 4 MiB.
   *
   * <p>A response counts from the moment the transport reads it until {@code recv} returns it.
   * Until grpc delivers it to the call, it counts its size on the wire if that is its serialized
   * size: the transport tells it (Netty does; in-process does not) and the response headers name
   * no compressor. Such a read asks for the next response at once. From its delivery (after the
   * client's interceptors) it counts its serialized size as the method's response marshaller
   * tells it: {@code available()} of the {@link io.grpc.KnownLength} stream it makes for the
   * response (protobuf's: {@code getSerializedSize()}, uncompressed). A response whose wire size
   * is not its size (in-process, compressed) counts nothing until delivered, and none is asked for
   * until then. So a call holds at most this many bytes plus one response, on every transport,
   * compressed or not. (An interceptor that replaces responses with larger ones can make it hold
   * more: by the growth of each response that was read, not yet delivered, when the next was asked
   * for.) A marshaller whose stream is not a {@code KnownLength} is asked once; its responses then
   * count their wire size, or, without one, nothing: only the bound of 64 responses holds them.
   */
  public static final CallOptions.Key<Integer> MAX_BUFFERED_BYTES =
      CallOptions.Key.createWithDefault("grpc-loop.maxBufferedBytes", 4 << 20);

  /**
   * Calls a unary method and waits for its response.
   *
   * @throws StatusException if the call failed
   * @throws InterruptedException if interrupted while waiting; the call is then cancelled
   */
  public static <ReqT, RespT> RespT unary(
      Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options, ReqT request)
      throws InterruptedException, StatusException {
    try (ClientUnaryCall<RespT> call =
        unaryCall(channel, method, options, new Metadata(), request)) {
      return call.response();
    }
  }

  /** Calls a unary method with default options and waits for its response; see above. */
  public static <ReqT, RespT> RespT unary(
      Channel channel, MethodDescriptor<ReqT, RespT> method, ReqT request)
      throws InterruptedException, StatusException {
    return unary(channel, method, CallOptions.DEFAULT, request);
  }

  /**
   * Starts a unary call with request headers, whose response headers and trailers can be read:
   * {@link ClientUnaryCall#response} the response, then {@link ClientUnaryCall#headers} and {@link
   * ClientUnaryCall#trailers}. Never blocks.
   */
  public static <ReqT, RespT> ClientUnaryCall<RespT> unaryCall(
      Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options,
      Metadata headers, ReqT request) {
    return startSending(channel, method, MethodType.UNARY, options, headers, request);
  }

  /**
   * Starts a server-streaming call: sends {@code request}, half-closes, and returns the stream to
   * {@link ClientRecvStream#recv} the responses from. Never blocks.
   */
  public static <ReqT, RespT> ClientRecvStream<RespT> serverStreaming(
      Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options,
      Metadata headers, ReqT request) {
    return startSending(channel, method, MethodType.SERVER_STREAMING, options, headers, request);
  }

  /** Starts a server-streaming call with default options and no headers; see above. */
  public static <ReqT, RespT> ClientRecvStream<RespT> serverStreaming(
      Channel channel, MethodDescriptor<ReqT, RespT> method, ReqT request) {
    return serverStreaming(channel, method, CallOptions.DEFAULT, new Metadata(), request);
  }

  /**
   * Starts a client-streaming call: {@link ClientSendStream#send} the requests, then {@link
   * ClientSendStream#closeAndRecv} the response. Never blocks.
   */
  public static <ReqT, RespT> ClientSendStream<ReqT, RespT> clientStreaming(
      Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options,
      Metadata headers) {
    return start(channel, method, MethodType.CLIENT_STREAMING, options, headers);
  }

  /** Starts a client-streaming call with default options and no headers; see above. */
  public static <ReqT, RespT> ClientSendStream<ReqT, RespT> clientStreaming(
      Channel channel, MethodDescriptor<ReqT, RespT> method) {
    return clientStreaming(channel, method, CallOptions.DEFAULT, new Metadata());
  }

  /**
   * Starts a bidirectional-streaming call: {@link ClientStream#send} requests and {@link
   * ClientStream#recv} responses, in any order, and {@link ClientStream#closeSend} after the last
   * request. Never blocks.
   */
  public static <ReqT, RespT> ClientStream<ReqT, RespT> bidiStreaming(
      Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options,
      Metadata headers) {
    return start(channel, method, MethodType.BIDI_STREAMING, options, headers);
  }

  /** Starts a bidirectional-streaming call with default options and no headers. Never blocks. */
  public static <ReqT, RespT> ClientStream<ReqT, RespT> bidiStreaming(
      Channel channel, MethodDescriptor<ReqT, RespT> method) {
    return bidiStreaming(channel, method, CallOptions.DEFAULT, new Metadata());
  }

  private static <ReqT, RespT> BlockingClientCall<ReqT, RespT> startSending(
      Channel channel, MethodDescriptor<ReqT, RespT> method, MethodType kind,
      CallOptions options, Metadata headers, ReqT request) {
    if (request == null) {
      throw new NullPointerException("request");
    }
    BlockingClientCall<ReqT, RespT> call = start(channel, method, kind, options, headers);
    try {
      call.sendOnly(request);
    } catch (RuntimeException | Error e) { // an interceptor's: nobody will get the call to end it
      call.cancelAfterFailure("the request could not be sent", e);
      throw e;
    }
    return call;
  }

  private static <ReqT, RespT> BlockingClientCall<ReqT, RespT> start(
      Channel channel, MethodDescriptor<ReqT, RespT> method, MethodType kind,
      CallOptions options, Metadata headers) {
    if (method.getType() != kind) {
      throw new IllegalArgumentException(method.getFullMethodName() + " is a " + method.getType()
          + " method, not " + kind + ": call it with the matching BlockingClientCalls method");
    }
    BlockingClientCall<ReqT, RespT> call = new BlockingClientCall<>(channel, method, options);
    call.start(headers);
    return call;
  }
}
