package dev.grpcloop.adapter;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.locks.Condition;

/**
 * One client call seen as a blocking stream: grpc's {@link ClientCall} and its listener on one
 * side, the application's threads on the other. Package-private: callers see it as {@link
 * ClientStream}.
 */
final class BlockingClientCall<ReqT, RespT> extends BlockingStream<RespT, ReqT>
    implements ClientStream<ReqT, RespT> {

  private final ClientCall<ReqT, RespT> call;

  /** Signalled when response headers arrive and when the call ends. */
  private final Condition metadataArrived = lock.newCondition();

  /** The response headers, or null until they arrive. Guarded by lock. */
  private Metadata responseHeaders;

  /** The trailers the call ended with, or null until it ends. Guarded by lock. */
  private Metadata endTrailers;

  /** closeSend or close was called: no more requests. Guarded by callLock. */
  private boolean sendClosed;

  /** The thread started by startSender, or null. Guarded by lock. */
  private Thread senderThread;

  BlockingClientCall(ClientCall<ReqT, RespT> call) {
    this.call = call;
  }

  /** Starts grpc's call with this stream as its listener. */
  void start(Metadata headers) {
    callTransport(() -> call.start(new Listener(), headers));
  }

  /** Sends the only request of a unary or server-streaming call and half-closes, without waiting. */
  void sendOnly(ReqT request) {
    callTransport(() -> {
      sendClosed = true;
      call.sendMessage(request);
      call.halfClose();
    });
  }

  @Override
  public boolean send(ReqT message) throws InterruptedException {
    try {
      writeWhenReady(message);
      return true;
    } catch (StatusException callIsOver) {
      return false;
    }
  }

  @Override
  public void closeSend() {
    callTransport(() -> {
      if (!sendClosed) {
        sendClosed = true;
        // Once the call is over there is nothing to half-close, and after cancel() grpc's
        // halfClose throws "call was cancelled". cancel() records the failure before it takes
        // callLock to tell grpc, so a call cancelled by then is always seen here.
        if (failure() == null) {
          call.halfClose();
        }
      }
    });
  }

  @Override
  public RespT recv() throws InterruptedException, StatusException {
    return awaitMessage();
  }

  @Override
  public RespT closeAndRecv() throws InterruptedException, StatusException {
    closeSend();
    RespT response = awaitMessage();
    if (response == null) {
      throw Status.INTERNAL.withDescription("the server sent no response").asException();
    }
    if (awaitMessage() != null) {
      throw Status.INTERNAL.withDescription("the server sent more than one response").asException();
    }
    return response;
  }

  @Override
  public Thread startSender(SendLoop loop) {
    Thread thread = Thread.ofVirtual().name("grpc-loop-sender").unstarted(() -> runSender(loop));
    lock.lock();
    try {
      if (senderThread != null) {
        throw new IllegalStateException("a sender was already started");
      }
      senderThread = thread;
    } finally {
      lock.unlock();
    }
    thread.start();
    return thread;
  }

  private void runSender(SendLoop loop) {
    try {
      loop.run();
      closeSend();
    } catch (Throwable t) {
      cancel("the sender failed", t);
    }
  }

  @Override
  public Metadata headers() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (responseHeaders == null && endTrailers == null) {
        metadataArrived.await();
      }
      return responseHeaders != null ? responseHeaders : new Metadata();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Metadata trailers() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (endTrailers == null) {
        metadataArrived.await();
      }
      return endTrailers;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    Status status = Status.CANCELLED.withDescription(message).withCause(cause);
    // Fail locally first, so waiters wake now and buffered responses are released (grpc-java
    // #12355), then tell grpc, which answers later with onClose.
    if (fail(status.asException(), true)) {
      callTransport(() -> call.cancel(message, cause));
    }
  }

  @Override
  public void close() {
    Thread sender;
    lock.lock();
    try {
      sender = senderThread;
    } finally {
      lock.unlock();
    }
    if (!markClosed()) {
      return;
    }
    boolean running = failure() == null;
    callTransport(() -> {
      if (running && !sendClosed) {
        call.halfClose();
      }
      sendClosed = true;
      if (running) {
        call.cancel("the client closed the stream", null);
      }
    });
    if (sender != null && sender != Thread.currentThread()) {
      sender.interrupt();
    }
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
  void writeToTransport(ReqT message) {
    call.sendMessage(message);
  }

  @Override
  void checkCanSend() {
    if (sendClosed) {
      throw new IllegalStateException("send() called after closeSend()");
    }
  }

  /** grpc's events for this call. Each only records and signals: it must never block. */
  private final class Listener extends ClientCall.Listener<RespT> {
    @Override
    public void onHeaders(Metadata headers) {
      lock.lock();
      try {
        responseHeaders = headers;
        metadataArrived.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onMessage(RespT message) {
      messageArrived(message);
    }

    @Override
    public void onReady() {
      readyChanged();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      lock.lock();
      try {
        endTrailers = trailers;
        metadataArrived.signalAll();
      } finally {
        lock.unlock();
      }
      fail(new StatusException(status, trailers), false);
    }
  }
}
