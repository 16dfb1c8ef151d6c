package dev.grpcloop.adapter;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One server call seen as a blocking stream: grpc's {@link ServerCall} and its listener on one
 * side, the handler's thread on the other. Package-private: handlers see it through {@link
 * ServerStream} and its halves.
 *
 * <p>The handler's thread closes the call when the handler finishes, whatever the way it finishes:
 * exactly once, unless grpc has already ended the call (cancelled it, or closed it by itself), when
 * there is nobody left to send a status to and the call is not closed again. The listener only
 * records events and wakes waiters.
 */
final class BlockingServerCall<ReqT, RespT> extends BlockingStream<ReqT, RespT>
    implements ServerStream<ReqT, RespT> {

  private static final Logger logger = Logger.getLogger(BlockingServerCalls.class.getName());

  /** Where the outbound side of the call stands. Guarded by callLock. */
  private enum Phase {
    /** Nothing sent yet: headers go out before the first message or with the status. */
    HEADERS_PENDING,
    /** Headers sent; messages may follow. */
    SENDING,
    /** close() was called on grpc's call: nothing more may be sent. */
    CLOSED
  }

  /** The body of one handler kind: what runs on the handler's thread. */
  @FunctionalInterface
  interface Body<ReqT, RespT> {
    void run(BlockingServerCall<ReqT, RespT> call) throws Exception;
  }

  private final ServerCall<ReqT, RespT> call;
  private final Metadata requestHeaders;
  private final Context context;

  /** False for client-streaming handlers, which answer by returning rather than by send. */
  private final boolean handlerMaySend;

  /** Guarded by callLock. */
  private Phase phase = Phase.HEADERS_PENDING;

  /** Trailers set by the handler so far, or null if none. Guarded by callLock. */
  private Metadata trailers;

  BlockingServerCall(
      ServerCall<ReqT, RespT> call, Metadata requestHeaders, Context context,
      boolean handlerMaySend) {
    this.call = call;
    this.requestHeaders = requestHeaders;
    this.context = context;
    this.handlerMaySend = handlerMaySend;
  }

  /**
   * Starts the handler on a new thread from {@code threads}, inside the call's Context, and returns
   * the listener that grpc must deliver this call's events to.
   */
  ServerCall.Listener<ReqT> start(ThreadFactory threads, Body<ReqT, RespT> body) {
    Thread thread = threads.newThread(() -> runToCompletion(body));
    if (thread == null) {
      logger.log(Level.SEVERE, "The handler thread factory returned null; failing the call");
      close(Status.RESOURCE_EXHAUSTED.withDescription("no thread for the handler"), null);
      return new ServerCall.Listener<>() {};
    }
    thread.start();
    return new Listener();
  }

  // ---- the handler's side ----

  @Override
  public ReqT recv() throws InterruptedException, StatusException {
    return awaitMessage();
  }

  @Override
  public void send(RespT message) throws InterruptedException, StatusException {
    if (!handlerMaySend) {
      throw new IllegalStateException(
          "send() in a client-streaming handler: return the response instead");
    }
    writeWhenReady(message);
  }

  @Override
  public Metadata requestHeaders() {
    return requestHeaders;
  }

  @Override
  public void sendHeaders(Metadata headers) {
    callLock.lock();
    try {
      if (phase != Phase.HEADERS_PENDING) {
        throw new IllegalStateException(
            phase == Phase.CLOSED ? "the call is closed" : "headers were already sent");
      }
      phase = Phase.SENDING;
      call.sendHeaders(headers);
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public void setTrailers(Metadata more) {
    callLock.lock();
    try {
      if (phase == Phase.CLOSED) {
        throw new IllegalStateException("the call is closed");
      }
      trailers = merge(trailers, more);
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public void setCompression(String compressorName) {
    callLock.lock();
    try {
      if (phase != Phase.HEADERS_PENDING) {
        throw new IllegalStateException(phase == Phase.CLOSED
            ? "the call is closed" : "headers were already sent: set the compression before");
      }
      call.setCompression(compressorName);
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    callLock.lock();
    try {
      if (phase == Phase.CLOSED) {
        throw new IllegalStateException("the call is closed");
      }
      call.setMessageCompression(enabled);
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public boolean isCancelled() {
    return failure() != null;
  }

  /**
   * Receives the one request of a unary or server-streaming call: exactly one message, then
   * end-of-stream. Anything else is the client's protocol error.
   */
  ReqT recvSingleRequest() throws InterruptedException, StatusException {
    ReqT request = awaitMessage();
    if (request == null) {
      throw Status.INTERNAL.withDescription("Half-closed without a request").asException();
    }
    if (awaitMessage() != null) {
      throw Status.INTERNAL.withDescription("Too many requests").asException();
    }
    return request;
  }

  /** Sends the one response of a unary or client-streaming call. */
  void sendSingleResponse(RespT response) throws InterruptedException, StatusException {
    if (response == null) {
      throw new NullPointerException("the handler returned a null response");
    }
    writeWhenReady(response);
  }

  // ---- BlockingStream's hooks, called with callLock held ----

  @Override
  void requestFromTransport(int count) {
    call.request(count);
  }

  @Override
  boolean transportReady() {
    return call.isReady();
  }

  @Override
  void writeToTransport(RespT message) {
    if (phase == Phase.HEADERS_PENDING) {
      phase = Phase.SENDING;
      call.sendHeaders(new Metadata());
    }
    call.sendMessage(message);
  }

  @Override
  void checkCanSend() {
    if (phase == Phase.CLOSED) {
      throw new IllegalStateException("send() called after the call was closed");
    }
  }

  // ---- ending the call ----

  private void runToCompletion(Body<ReqT, RespT> body) {
    // The call's Context is current for the handler (deadline, cancellation, values put there by
    // interceptors), as it is for grpc's own callbacks.
    Context previous = context.attach();
    try {
      Status status;
      Metadata errorTrailers = null;
      try {
        body.run(this);
        status = Status.OK;
      } catch (StatusException e) {
        status = e.getStatus();
        errorTrailers = e.getTrailers();
      } catch (StatusRuntimeException e) {
        status = e.getStatus();
        errorTrailers = e.getTrailers();
      } catch (Throwable t) {
        status = failedByHandler(t);
      }
      close(status, errorTrailers);
    } finally {
      context.detach(previous);
    }
  }


  /** Maps an exception that is not a gRPC status to UNKNOWN, logging it here and not to the client. */
  private Status failedByHandler(Throwable t) {
    String method = call.getMethodDescriptor().getFullMethodName();
    logger.log(Level.WARNING, "Handler for " + method + " failed", t);
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    return Status.UNKNOWN.withDescription("Application error processing RPC");
  }

  /**
   * Closes grpc's call once, unless grpc has already ended it; later calls do nothing. Wakes any
   * thread left in recv or send.
   */
  private void close(Status status, Metadata errorTrailers) {
    callLock.lock();
    try {
      if (phase == Phase.CLOSED) {
        return;
      }
      phase = Phase.CLOSED;
      // Closed on this side before grpc hears of it: its onComplete may come at once, on another
      // thread, and must not be taken for grpc ending the call by itself.
      markClosed();
      Metadata all = merge(merge(new Metadata(), trailers), errorTrailers);
      trailers = null;
      if (failure() != null) {
        // grpc ended the call already, and told the client how. A status sent now can only race
        // the transport's own: on Netty, for a request over the size limit, it replaced the
        // client's RESOURCE_EXHAUSTED with CANCELLED, and at times failed the whole connection.
        return;
      }
      call.close(status, all);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "Closing the call failed", e);
    } finally {
      callLock.unlock();
    }
  }

  private static Metadata merge(Metadata into, Metadata more) {
    if (more == null) {
      return into;
    }
    if (into == null) {
      into = new Metadata();
    }
    into.merge(more);
    return into;
  }

  /** grpc's events for this call. Each only records and signals: it must never block. */
  private final class Listener extends ServerCall.Listener<ReqT> {
    @Override
    public void onMessage(ReqT message) {
      messageArrived(message);
    }

    @Override
    public void onHalfClose() {
      inputEnded();
    }

    @Override
    public void onReady() {
      readyChanged();
    }

    @Override
    public void onCancel() {
      // The Context may be cancelled a moment later than this callback: fall back to CANCELLED.
      Status status = Contexts.statusFromCancelled(context);
      if (status == null) {
        status = Status.CANCELLED.withDescription("the client cancelled the call");
      }
      fail(status.asException(), true);
    }

    @Override
    public void onComplete() {
      // Normally the handler closed the call first, and this changes nothing. But grpc also ends a
      // call by itself, for example when a request cannot be parsed: then the client already has
      // its status, and the handler, perhaps waiting in recv, must hear of it or wait forever.
      if (!closedByThisSide()) {
        fail(Status.CANCELLED.withDescription("grpc ended the call before the handler did")
            .asException(), true);
      }
    }
  }
}
