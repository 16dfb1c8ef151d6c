package dev.grpcloop.adapter;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Binds blocking handlers into grpc, one line per method, and builds the service from them:
 *
 * <pre>{@code
 * ServerServiceDefinition echo = BlockingServerCalls.service(
 *     EchoServiceGrpc.getServiceDescriptor(),
 *     BlockingServerCalls.bidiStreaming(
 *         EchoServiceGrpc.getEchoStreamMethod(), EchoService::echoStream));
 * }</pre>
 *
 * <p>Each binding checks at once that the handler's kind is the method's, and fails naming the
 * method if not. A binding wraps the method's response marshaller (to see a response that fails
 * to serialize, also when its stream fails only as it is read), so build the service with {@link
 * #service} or {@link #replace}: grpc's own {@code ServerServiceDefinition.builder(descriptor)}
 * refuses a method that is not the descriptor's very instance.
 *
 * <p>Every call runs its handler on a thread of its own, by default a new virtual thread named
 * after the method ({@code echo.EchoService/EchoStream}; a thread dump tells the calls apart by
 * their threads' ids), inside the call's {@link Context}. The handler ends the call when it
 * finishes: returning ends it with {@code OK}; throwing a {@link io.grpc.StatusException} or {@link
 * io.grpc.StatusRuntimeException}, or an exception caused by one (found through {@link
 * Throwable#getCause}, as grpc's {@code Status.fromThrowable} does), ends it with that status and
 * its trailers; any other exception ends it with {@code UNKNOWN} and is logged here, its message
 * not sent to the client. An {@link Error} ends the call with {@code UNKNOWN} and is then rethrown
 * to the thread's uncaught-exception handler, as grpc's {@code ServerImpl} does.
 *
 * <p>grpc's callbacks only hand messages over and wake the handler: they never block, so a server
 * whose services are all bound here may use {@code ServerBuilder.directExecutor()}, which saves a
 * thread hop per message. Flow control is manual: a call holds at most {@link
 * Options#withMaxBufferedBytes} bytes of requests its handler has not received, plus one message,
 * and at most 64 messages; unary and server-streaming calls ask for two, as grpc's own stubs do.
 */
public final class BlockingServerCalls {
  private BlockingServerCalls() {}

  private static final Logger logger = Logger.getLogger(BlockingServerCalls.class.getName());

  /** How a method's calls run; immutable, each {@code with} method returns a copy. */
  public static final class Options {
    /** A new virtual thread per call, at most 4 MiB of unreceived requests held per call. */
    public static final Options DEFAULT = new Options(null, 4 << 20);

    private final ThreadFactory threads;
    private final int maxBufferedBytes;

    private Options(ThreadFactory threads, int maxBufferedBytes) {
      this.threads = threads;
      this.maxBufferedBytes = maxBufferedBytes;
    }

    /** Each call's handler on a thread from {@code threads}, made when grpc starts the call. */
    public Options withThreads(ThreadFactory threads) {
      if (threads == null) {
        throw new NullPointerException("threads");
      }
      return new Options(threads, maxBufferedBytes);
    }

    /**
     * No more requests are asked of the transport while a call holds {@code bytes} of them that
     * its handler has not received. A request counts from grpc's delivery to the call (after the
     * server's interceptors: one that an interceptor replaced counts as its replacement, one that
     * it dropped not at all) until {@code recv} returns it, by its serialized size as the method's
     * request marshaller tells it: {@code available()} of the {@link io.grpc.KnownLength} stream
     * it makes for the request (protobuf's: {@code getSerializedSize()}, uncompressed), on every
     * transport. So a call holds at most {@code bytes} plus one request. A marshaller whose stream
     * is not a {@code KnownLength} is asked once; its requests then count 0 bytes, and only the
     * bound of 64 requests holds them.
     */
    public Options withMaxBufferedBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBufferedBytes must be positive: " + bytes);
      }
      return new Options(threads, bytes);
    }
  }

  /** One request in, one response out: runs once the client has sent its request and finished. */
  @FunctionalInterface
  public interface UnaryHandler<ReqT, RespT> {
    /** Handles one call; returns the response (not null), or throws to fail the call. */
    RespT handle(ReqT request, ServerCallScope call) throws Exception;
  }

  /** One request in, any number of responses sent with {@link ServerSendStream#send}. */
  @FunctionalInterface
  public interface ServerStreamingHandler<ReqT, RespT> {
    /** Handles one call; returning ends it with OK, throwing fails it. */
    void handle(ReqT request, ServerSendStream<RespT> responses) throws Exception;
  }

  /** Any number of requests taken with {@link ServerRecvStream#recv}, one response returned. */
  @FunctionalInterface
  public interface ClientStreamingHandler<ReqT, RespT> {
    /** Handles one call; returns the response (not null), or throws to fail the call. */
    RespT handle(ServerRecvStream<ReqT> requests) throws Exception;
  }

  /** Both sides stream: the Go article's loop of {@link ServerStream#recv} and send. */
  @FunctionalInterface
  public interface BidiStreamingHandler<ReqT, RespT> {
    /** Handles one call; returning ends it with OK, throwing fails it. */
    void handle(ServerStream<ReqT, RespT> stream) throws Exception;
  }

  /** Binds a unary handler; see the class comment. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> unary(
      MethodDescriptor<ReqT, RespT> method, UnaryHandler<ReqT, RespT> handler) {
    return unary(method, handler, Options.DEFAULT);
  }

  /** Binds a unary handler with {@code options}. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> unary(
      MethodDescriptor<ReqT, RespT> method, UnaryHandler<ReqT, RespT> handler, Options options) {
    return bind(method, MethodType.UNARY, options, true, false,
        call -> call.sendSingleResponse(handler.handle(call.recvSingleRequest(), call)));
  }

  /** Binds a server-streaming handler; see the class comment. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> serverStreaming(
      MethodDescriptor<ReqT, RespT> method, ServerStreamingHandler<ReqT, RespT> handler) {
    return serverStreaming(method, handler, Options.DEFAULT);
  }

  /** Binds a server-streaming handler with {@code options}. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> serverStreaming(
      MethodDescriptor<ReqT, RespT> method, ServerStreamingHandler<ReqT, RespT> handler,
      Options options) {
    return bind(method, MethodType.SERVER_STREAMING, options, true, true,
        call -> handler.handle(call.recvSingleRequest(), call));
  }

  /** Binds a client-streaming handler; see the class comment. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> clientStreaming(
      MethodDescriptor<ReqT, RespT> method, ClientStreamingHandler<ReqT, RespT> handler) {
    return clientStreaming(method, handler, Options.DEFAULT);
  }

  /** Binds a client-streaming handler with {@code options}. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> clientStreaming(
      MethodDescriptor<ReqT, RespT> method, ClientStreamingHandler<ReqT, RespT> handler,
      Options options) {
    return bind(method, MethodType.CLIENT_STREAMING, options, false, false,
        call -> call.sendSingleResponse(handler.handle(call)));
  }

  /** Binds a bidirectional-streaming handler; see the class comment. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> bidiStreaming(
      MethodDescriptor<ReqT, RespT> method, BidiStreamingHandler<ReqT, RespT> handler) {
    return bidiStreaming(method, handler, Options.DEFAULT);
  }

  /** Binds a bidirectional-streaming handler with {@code options}. */
  public static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> bidiStreaming(
      MethodDescriptor<ReqT, RespT> method, BidiStreamingHandler<ReqT, RespT> handler,
      Options options) {
    return bind(method, MethodType.BIDI_STREAMING, options, false, true, handler::handle);
  }

  /**
   * The service of {@code descriptor} with these bindings; its other methods answer {@code
   * UNIMPLEMENTED}, as the defaults of grpc-java's {@code AsyncService} do.
   *
   * @throws IllegalArgumentException if a binding is not for a method of the service, or two are
   *     for the same method
   */
  public static ServerServiceDefinition service(
      ServiceDescriptor descriptor, ServerMethodDefinition<?, ?>... methods) {
    return rebuild(descriptor, BlockingServerCalls::unimplemented, methods);
  }

  /**
   * {@code service} with some of its methods bound here instead: the one-line switch of an existing
   * grpc-java service to blocking handlers, method by method.
   *
   * <pre>{@code
   * server.addService(BlockingServerCalls.replace(new LegacyEcho().bindService(),
   *     BlockingServerCalls.bidiStreaming(
   *         EchoServiceGrpc.getEchoStreamMethod(), Echo::echoStream)));
   * }</pre>
   *
   * @throws IllegalArgumentException as {@link #service} does
   */
  public static ServerServiceDefinition replace(
      ServerServiceDefinition service, ServerMethodDefinition<?, ?>... methods) {
    return rebuild(service.getServiceDescriptor(),
        method -> service.getMethod(method.getFullMethodName()), methods);
  }

  /** What BlockingServerCall needs to run one method's calls. */
  record Binding<ReqT, RespT>(MethodDescriptor<ReqT, RespT> method, boolean singleRequest,
      boolean handlerMaySend, Body<ReqT, RespT> body, ThreadFactory threads,
      int maxBufferedBytes, Marshalling.Sizes<ReqT> requestSizes) {}

  /** The body of one handler kind: what runs on the handler's thread. */
  @FunctionalInterface
  interface Body<ReqT, RespT> {
    void run(BlockingServerCall<ReqT, RespT> call) throws Exception;
  }

  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> bind(
      MethodDescriptor<ReqT, RespT> method, MethodType kind, Options options,
      boolean singleRequest, boolean handlerMaySend, Body<ReqT, RespT> body) {
    if (method.getType() != kind) {
      throw new IllegalArgumentException(method.getFullMethodName() + " is a " + method.getType()
          + " method, not " + kind + ": bind it with the matching BlockingServerCalls method");
    }
    // One name for all the method's threads, not one per call: a String of its own per thread
    // would cost each idle call about 80 bytes, and the thread's id already tells them apart.
    ThreadFactory threads = options.threads != null ? options.threads
        : Thread.ofVirtual().name(method.getFullMethodName()).factory();
    Binding<ReqT, RespT> binding = new Binding<>(method, singleRequest, handlerMaySend, body,
        threads, options.maxBufferedBytes, new Marshalling.Sizes<>(method.getRequestMarshaller()));
    ServerCallHandler<ReqT, RespT> handler = (call, headers) ->
        // grpc runs startCall inside the call's Context: the handler's thread will run in it too.
        new BlockingServerCall<>(call, headers, Context.current(), binding).start();
    MethodDescriptor<ReqT, RespT> wrapped = method.toBuilder(method.getRequestMarshaller(),
        Marshalling.watching(method.getResponseMarshaller())).build();
    return ServerMethodDefinition.create(wrapped, handler);
  }

  private static ServerServiceDefinition rebuild(ServiceDescriptor descriptor,
      Function<MethodDescriptor<?, ?>, ServerMethodDefinition<?, ?>> unbound,
      ServerMethodDefinition<?, ?>... methods) {
    Map<String, ServerMethodDefinition<?, ?>> bound = new LinkedHashMap<>();
    for (ServerMethodDefinition<?, ?> method : methods) {
      String name = method.getMethodDescriptor().getFullMethodName();
      if (descriptor.getMethods().stream().noneMatch(m -> m.getFullMethodName().equals(name))) {
        throw new IllegalArgumentException(name + " is not a method of " + descriptor.getName());
      }
      if (bound.put(name, method) != null) {
        throw new IllegalArgumentException(name + " is bound twice");
      }
    }
    List<ServerMethodDefinition<?, ?>> all = new ArrayList<>();
    ServiceDescriptor.Builder rebuilt = ServiceDescriptor.newBuilder(descriptor.getName())
        .setSchemaDescriptor(descriptor.getSchemaDescriptor());
    for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
      ServerMethodDefinition<?, ?> definition = bound.get(method.getFullMethodName());
      all.add(definition != null ? definition : unbound.apply(method));
      rebuilt.addMethod(all.get(all.size() - 1).getMethodDescriptor());
    }
    ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(rebuilt.build());
    all.forEach(service::addMethod);
    return service.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> unimplemented(
      MethodDescriptor<ReqT, RespT> method) {
    return ServerMethodDefinition.create(method, (call, headers) -> {
      call.close(Status.UNIMPLEMENTED.withDescription(
          "Method " + method.getFullMethodName() + " is unimplemented"), new Metadata());
      return new ServerCall.Listener<>() {};
    });
  }

  /**
   * What {@code cause}, thrown by a handler (or a helper), ends its call with; OK for none. See
   * the class comment: logs what is not a status.
   */
  static StatusException outcomeOf(Throwable cause, MethodDescriptor<?, ?> method) {
    if (cause == null) {
      return new StatusException(Status.OK);
    }
    if (!(cause instanceof Error)) {
      int depth = 0;
      for (Throwable t = cause; t != null && depth < 16; t = t.getCause(), depth++) {
        if (t instanceof StatusException e) {
          return e;
        }
        if (t instanceof StatusRuntimeException e) {
          return new StatusException(e.getStatus(), e.getTrailers());
        }
      }
      logger.log(Level.WARNING, "Handler for " + method.getFullMethodName() + " failed", cause);
    }
    return Status.UNKNOWN.withDescription("Application error processing RPC").asException();
  }
}
