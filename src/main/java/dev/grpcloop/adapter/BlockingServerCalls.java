package dev.grpcloop.adapter;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import java.util.concurrent.ThreadFactory;

/**
 * Binds blocking handlers into grpc: each method turns a {@link ServerHandlers} shape into a
 * {@link ServerCallHandler}, for one line per method in a service definition:
 *
 * <pre>{@code
 * ServerServiceDefinition service =
 *     ServerServiceDefinition.builder(EchoServiceGrpc.getServiceDescriptor())
 *         .addMethod(EchoServiceGrpc.getEchoStreamMethod(),
 *             BlockingServerCalls.bidiStreaming(EchoService::echoStream))
 *         .build();
 * }</pre>
 *
 * <p>Every call runs its handler on a new thread, a virtual thread unless a {@link ThreadFactory}
 * says otherwise, inside the call's {@link Context}. The handler's thread is the only place where
 * the application's work happens: grpc's callbacks only hand messages over and wake the handler.
 * They never block, so a server whose services are all bound here may use {@code
 * ServerBuilder.directExecutor()} and save a thread hop per message.
 *
 * <p>Flow control is manual: a call asks the transport for messages only as its handler receives
 * them, a small window ahead.
 */
public final class BlockingServerCalls {
  private BlockingServerCalls() {}

  private static final ThreadFactory VIRTUAL_THREADS =
      Thread.ofVirtual().name("grpc-loop-handler").factory();

  /** A unary handler, on a virtual thread per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> unary(
      ServerHandlers.Unary<ReqT, RespT> handler) {
    return unary(handler, VIRTUAL_THREADS);
  }

  /** A unary handler, on a thread from {@code threads} per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> unary(
      ServerHandlers.Unary<ReqT, RespT> handler, ThreadFactory threads) {
    return bind(threads, true,
        call -> call.sendSingleResponse(handler.handle(call.recvSingleRequest(), call)));
  }

  /** A server-streaming handler, on a virtual thread per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> serverStreaming(
      ServerHandlers.ServerStreaming<ReqT, RespT> handler) {
    return serverStreaming(handler, VIRTUAL_THREADS);
  }

  /** A server-streaming handler, on a thread from {@code threads} per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> serverStreaming(
      ServerHandlers.ServerStreaming<ReqT, RespT> handler, ThreadFactory threads) {
    return bind(threads, true, call -> handler.handle(call.recvSingleRequest(), call));
  }

  /** A client-streaming handler, on a virtual thread per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> clientStreaming(
      ServerHandlers.ClientStreaming<ReqT, RespT> handler) {
    return clientStreaming(handler, VIRTUAL_THREADS);
  }

  /** A client-streaming handler, on a thread from {@code threads} per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> clientStreaming(
      ServerHandlers.ClientStreaming<ReqT, RespT> handler, ThreadFactory threads) {
    return bind(threads, false, call -> call.sendSingleResponse(handler.handle(call)));
  }

  /** A bidirectional-streaming handler, on a virtual thread per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> bidiStreaming(
      ServerHandlers.BidiStreaming<ReqT, RespT> handler) {
    return bidiStreaming(handler, VIRTUAL_THREADS);
  }

  /** A bidirectional-streaming handler, on a thread from {@code threads} per call. */
  public static <ReqT, RespT> ServerCallHandler<ReqT, RespT> bidiStreaming(
      ServerHandlers.BidiStreaming<ReqT, RespT> handler, ThreadFactory threads) {
    return bind(threads, true, handler::handle);
  }

  private static <ReqT, RespT> ServerCallHandler<ReqT, RespT> bind(
      ThreadFactory threads, boolean handlerMaySend, BlockingServerCall.Body<ReqT, RespT> body) {
    if (threads == null) {
      throw new NullPointerException("threads");
    }
    return new ServerCallHandler<>() {
      @Override
      public ServerCall.Listener<ReqT> startCall(ServerCall<ReqT, RespT> call, Metadata headers) {
        // grpc runs startCall inside the call's Context: capture it for the handler's thread.
        return new BlockingServerCall<>(call, headers, Context.current(), handlerMaySend)
            .start(threads, body);
      }
    };
  }
}
