package dev.grpcloop.adapter;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client call seen as a blocking stream: grpc's {@link ClientCall} and its listener on one
 * side, the application's threads on the other. Callers see it as the type of its kind: {@link
 * ClientUnaryCall}, {@link ClientRecvStream}, {@link ClientSendStream} or {@link ClientStream}.
 *
 * <p>grpc runs the listener's callbacks on the application's threads parked in the call, or, when
 * none is, at once on its transport thread ({@link CallbackExecutor}): the call's executor is its
 * own, whatever the channel's or the CallOptions' executor.
 *
 * <p>A stream tracer tells it what the listener cannot, on the transport's thread: that a response
 * was read, and its size (the call asks for the next one at once, so that reading ahead never
 * waits for the thread the response goes to), and that the server's trailers arrived. grpc holds
 * {@code onClose} back until the responses before it have been received, so without the trailers
 * a client that only sends would never hear that the server has finished. With retries or hedging
 * grpc runs several attempts and commits to the first that receives headers: only that attempt's
 * responses and trailers count.
 *
 * <p>Whose status {@code onClose} brings is decided on this side, not read off the status: a
 * {@code CANCELLED} or {@code DEADLINE_EXCEEDED} is this side giving up only if a deadline of the
 * call has passed (its own, its Context's, or one an interceptor set) or its {@link Context} was
 * cancelled; any other status, the server's {@code CANCELLED} or {@code DEADLINE_EXCEEDED} among
 * them, comes after every response that arrived before it (GRPC-TRAPS 24). Interceptors may
 * replace the trailers object, so its identity tells nothing. This side's own cancel and close,
 * and a cancel of its Context while the call runs, fail the call at once, before grpc answers:
 * whatever grpc delivers after them, an OK end included, cannot read as the call's outcome.
 */
final class BlockingClientCall<ReqT, RespT> extends CallCore<RespT, ReqT>
    implements ClientStream<ReqT, RespT>, ClientUnaryCall<RespT> {

  /** Why a call that close() ended was cancelled, as recv reports it and grpc's cancel says. */
  private static final String CLOSED_BY_CLIENT = "the client closed the stream";

  private final ClientCall<ReqT, RespT> call;

  /** Runs grpc's callbacks for the call on the threads that wait in it. */
  final CallbackExecutor callbacks = new CallbackExecutor(lock, this::wakeWaiters);

  /** Measures each response as it is delivered, for the byte bound. */
  private final Marshalling.Sizes<RespT> responseSizes;

  /**
   * The threads waiting in headers() or trailers(), any number: unparked when the headers arrive,
   * when the call ends, and for queued callbacks.
   */
  private final List<Thread> metadataWaiters = new ArrayList<>();

  /** The response headers; null until they arrive, and for good if the call ends without. */
  private Metadata responseHeaders;

  /** The trailers the call ended with; null until it ends. */
  private Metadata endTrailers;

  /** The earlier of the call's and its Context's deadlines, when it was made; null if neither. */
  private final Deadline deadline;

  /** The Context the call was made in: its cancellation cancels the call. */
  private final Context context;

  /**
   * The deadline grpc's stream was given, interceptors' included; null until a stream is made or
   * if it has none. Written on the transport's thread, read by onClose.
   */
  private volatile Deadline streamDeadline;

  /** closeSend was called, or the only request of the call was sent: no more requests. */
  private boolean sendClosed;

  /**
   * grpc's start returned or threw (guarded by callLock): its call may be cancelled from then on.
   * A cancel before it would make grpc's start throw; a Context cancelled meanwhile grpc sees.
   */
  private boolean startCalled;

  /** grpc's cancel of its call returned (guarded by callLock): once is enough. */
  private boolean grpcCancelled;

  /** The thread started by startSender, or null. */
  private Thread senderThread;

  /** close() was called: a second one interrupts nobody. */
  private boolean closeCalled;

  /**
   * Why the call's one response could not be had, the server having sent none or more than one:
   * every later try throws it again. Null otherwise.
   */
  private Status responseFailure;

  /**
   * The one response, received by a closeAndRecv or response that then stopped waiting for the
   * call's end (a timeout, an interrupt), kept for the next of them; null otherwise. The
   * receiving thread's, under lock like every field (a misused second receiver must see it whole).
   */
  private RespT heldResponse;

  BlockingClientCall(Channel channel, MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    super(options.getOption(BlockingClientCalls.MAX_BUFFERED_BYTES), true);
    this.context = Context.current();
    this.deadline = earlier(options.getDeadline(), context.getDeadline());
    this.responseSizes = new Marshalling.Sizes<>(method.getResponseMarshaller());
    this.call = channel.newCall(method,
        options.withStreamTracerFactory(new Tracing()).withExecutor(callbacks));
  }

  /**
   * Starts grpc's call with this stream as its listener, and asks for the first response. If that
   * throws (an interceptor), the caller gets no call to close: grpc's is cancelled here.
   */
  void start(Metadata headers) {
    Listener listener = new Listener();
    // Before grpc's own, so that a cancel of the Context reads as itself, not as what grpc's
    // cancel of the stream reports. Removed by onClose.
    context.addListener(listener, Runnable::run);
    try {
      callLock.lock();
      try {
        call.start(listener, headers);
      } finally {
        startCalled = true; // even if it threw: an interceptor may have started grpc's call
        callLock.unlock();
      }
      requestInitial(1);
    } catch (RuntimeException | Error e) {
      context.removeListener(listener); // no onClose may come to remove it
      cancelAfterFailure("the call could not be started", e);
      throw e;
    }
  }

  /** Cancels the call after an interceptor's {@code failure}, which the caller then throws. */
  void cancelAfterFailure(String message, Throwable failure) {
    try {
      cancel(message, failure);
    } catch (RuntimeException | Error cancelFailed) {
      failure.addSuppressed(cancelFailed);
    }
  }

  /** Sends the only request of a unary or server-streaming call and half-closes. */
  void sendOnly(ReqT request) {
    callLock.lock();
    try {
      setSendClosed();
      call.sendMessage(request);
      call.halfClose();
    } finally {
      callLock.unlock();
    }
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
  public boolean send(ReqT message, long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    try {
      writeWhenReady(message, Timeouts.nanos(timeout, unit));
      return true;
    } catch (StatusException callIsOver) {
      return false;
    }
  }

  @Override
  public void closeSend() {
    callLock.lock();
    try {
      boolean running;
      lock.lock();
      try {
        running = !sendClosed && stateLocked() == State.OPEN;
        sendClosed = true;
      } finally {
        lock.unlock();
      }
      if (running) {
        call.halfClose();
      }
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public RespT recv() throws InterruptedException, StatusException {
    return awaitMessage();
  }

  @Override
  public RespT recv(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException {
    return awaitMessage(Timeouts.nanos(timeout, unit));
  }

  @Override
  public RespT closeAndRecv() throws InterruptedException, StatusException {
    closeSend();
    return Timeouts.untimed(this::awaitOnlyResponse);
  }

  @Override
  public RespT closeAndRecv(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException {
    closeSend();
    return awaitOnlyResponse(Timeouts.nanos(timeout, unit));
  }

  @Override
  public RespT response() throws InterruptedException, StatusException {
    return Timeouts.untimed(this::awaitOnlyResponse);
  }

  @Override
  public RespT response(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException {
    return awaitOnlyResponse(Timeouts.nanos(timeout, unit));
  }

  /**
   * The call's one response, once the call has ended; waits at most {@code nanos} in all ({@link
   * Timeouts}). A response received before the wait for the end stopped is kept for the next try.
   */
  private RespT awaitOnlyResponse(long nanos)
      throws InterruptedException, StatusException, TimeoutException {
    long start = System.nanoTime();
    RespT response = takeHeldResponse();
    if (response == null) {
      response = awaitMessage(nanos);
      if (response == null) {
        throw responseFailed("the server sent no response");
      }
    }
    RespT more;
    try {
      more = awaitMessage(Timeouts.left(nanos, start));
    } catch (TimeoutException | InterruptedException stoppedWaiting) {
      holdResponse(response); // the call goes on: a retry must not take it for a missing one
      throw stoppedWaiting;
    }
    if (more != null) {
      throw responseFailed("the server sent more than one response");
    }
    return response;
  }

  /**
   * The server broke the call's kind: the call fails with INTERNAL, its every later try too, and
   * grpc's call is cancelled, as grpc's own stubs do.
   */
  private StatusException responseFailed(String description) {
    Status status = Status.INTERNAL.withDescription(description);
    lock.lock();
    try {
      responseFailure = status;
    } finally {
      lock.unlock();
    }
    cancelHere(status, description, null);
    return status.asException();
  }

  /** The response an earlier try kept, or null; throws what an earlier try found wrong. */
  private RespT takeHeldResponse() throws StatusException {
    lock.lock();
    try {
      if (responseFailure != null) {
        throw responseFailure.asException();
      }
      RespT response = heldResponse;
      heldResponse = null;
      return response;
    } finally {
      lock.unlock();
    }
  }

  private void holdResponse(RespT response) {
    lock.lock();
    try {
      heldResponse = response;
    } finally {
      lock.unlock();
    }
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
    try {
      lock.lockInterruptibly();
      try {
        while (responseHeaders == null && endTrailers == null) {
          awaitMetadata();
        }
        return responseHeaders;
      } finally {
        lock.unlock();
      }
    } finally {
      leaveWait();
    }
  }

  @Override
  public Metadata trailers() throws InterruptedException {
    try {
      lock.lockInterruptibly();
      try {
        while (endTrailers == null) {
          awaitMetadata();
        }
        return endTrailers;
      } finally {
        lock.unlock();
      }
    } finally {
      leaveWait();
    }
  }

  /** Requires lock. Waits once for the metadata (or runs the callbacks queued for this thread). */
  private void awaitMetadata() throws InterruptedException {
    Thread current = Thread.currentThread();
    metadataWaiters.add(current);
    try {
      awaitOnce(Timeouts.NONE, "headers");
    } catch (TimeoutException impossible) {
      throw new AssertionError(impossible);
    } finally {
      metadataWaiters.remove(current);
    }
  }

  /** Requires lock. */
  private void wakeMetadataWaiters() {
    metadataWaiters.forEach(Timeouts::unpark);
  }

  @Override
  long awaitOnce(long nanos, String operation) throws InterruptedException, TimeoutException {
    return callbacks.awaitOrRun(this, nanos, operation);
  }

  @Override
  void leaveWait() {
    callbacks.runQueued();
  }

  /** Wakes every thread waiting in the call, to run the callbacks queued for them. */
  private void wakeWaiters() {
    lock.lock();
    try {
      wakeReceiverAndSender();
      wakeMetadataWaiters();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    cancelHere(Status.CANCELLED.withDescription(message).withCause(cause), message, cause);
  }

  @Override
  public void close() {
    Thread sender;
    lock.lock();
    try {
      sender = closeCalled ? null : senderThread; // its cleanup after the first is its own
      closeCalled = true;
    } finally {
      lock.unlock();
    }
    try {
      // A cancel, for every thread of this side too: recv throws CANCELLED and send returns
      // false, whether they were waiting or come later. Never a half-close first: only
      // closeSend() tells the server that the requests are complete.
      cancelHere(Status.CANCELLED.withDescription(CLOSED_BY_CLIENT), CLOSED_BY_CLIENT, null);
    } finally {
      if (sender != null && sender != Thread.currentThread()) {
        sender.interrupt();
      }
    }
  }

  /**
   * Fails the call here first, so that waiters wake now and buffered responses are released
   * (grpc-java #12355), then cancels grpc's call ({@link #cancelGrpcCall}).
   */
  private void cancelHere(Status status, String message, Throwable cause) {
    callLock.lock();
    try {
      cancelledByClient(status);
      cancelGrpcCall(message, cause);
    } finally {
      callLock.unlock();
    }
  }

  /**
   * Requires callLock. Cancels grpc's call, unless grpc has ended it: grpc answers with onClose.
   * Also after a cancel of the Context failed the call here, in case grpc's call does not follow
   * that Context (an interceptor forked it).
   */
  private void cancelGrpcCall(String message, Throwable cause) {
    if (!grpcEnded()) {
      cancelGrpcCallOnce(message, cause);
    }
  }

  /**
   * Requires callLock. Cancels grpc's call once it was started, and once only. A cancel that
   * throws (an interceptor's) is tried again by the next cancel or close.
   */
  private void cancelGrpcCallOnce(String message, Throwable cause) {
    if (startCalled && !grpcCancelled) {
      call.cancel(message, cause);
      grpcCancelled = true;
    }
  }

  /** Whether grpc has ended the call: its onClose ran. */
  private boolean grpcEnded() {
    lock.lock();
    try {
      return endTrailers != null;
    } finally {
      lock.unlock();
    }
  }

  // ---- CallCore's hooks ----

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
  void checkSendable(State state) throws StatusException {
    if (sendClosed) {
      throw new IllegalStateException("send() called after closeSend()");
    }
    if (state == State.PEER_FINISHED || state == State.INPUT_ENDED) {
      throw CALL_OVER;
    }
  }

  private static Deadline earlier(Deadline a, Deadline b) {
    return a == null ? b : b == null ? a : a.minimum(b);
  }

  /** Whether this side has given up on the call: a deadline passed, or its Context cancelled. */
  private boolean abandonedHere() {
    Deadline earliest = earlier(deadline, streamDeadline);
    return (earliest != null && earliest.isExpired()) || context.isCancelled();
  }

  private void setSendClosed() {
    lock.lock();
    try {
      sendClosed = true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * grpc's events for this call, and its Context's cancel. Each only records and wakes: it must
   * never block.
   */
  private final class Listener extends ClientCall.Listener<RespT>
      implements Context.CancellationListener {
    @Override
    public void onHeaders(Metadata headers) {
      lock.lock();
      try {
        responseHeaders = headers;
        wakeMetadataWaiters();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onMessage(RespT message) {
      messageArrived(message, responseSizes.of(message));
    }

    @Override
    public void onReady() {
      readyChanged();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      context.removeListener(this);
      lock.lock();
      try {
        endTrailers = trailers;
        wakeMetadataWaiters();
      } finally {
        lock.unlock();
      }
      // The server's status, whatever its code, is its last word, after the responses it sent.
      // A CANCELLED or DEADLINE_EXCEEDED once this side's deadline passed or its Context was
      // cancelled is this side giving up, even if the server's trailers came first: cancel wins
      // over what was buffered. Any other status (a broken transport) comes after them too.
      Status.Code code = status.getCode();
      boolean abandoned = (code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED)
          && abandonedHere();
      ended(status, trailers, abandoned);
    }

    /**
     * The call's Context was cancelled while it ran: as {@link #cancel} here, while grpc cancels
     * its own call. On the cancelling thread, which may be a timer's or a transport's: it takes
     * only the call's lock, never waits for a send in progress.
     */
    @Override
    public void cancelled(Context cancelledContext) {
      Status status = Contexts.statusFromCancelled(cancelledContext);
      cancelledByClient(status);
      // grpc is told as well, in case its call is in another Context; grpc's own cancel of it may
      // end it first, and then this one does nothing. A send or a start holds grpc's call: it is
      // told once they are out, on a thread of its own, never waiting here.
      if (callLock.tryLock()) {
        cancelGrpcCallAndUnlock(status);
      } else {
        Thread.ofVirtual().name("grpc-loop-cancel").start(() -> {
          callLock.lock();
          cancelGrpcCallAndUnlock(status);
        });
      }
    }

    /** Requires callLock, and releases it. */
    private void cancelGrpcCallAndUnlock(Status status) {
      try {
        cancelGrpcCallOnce("the call's Context was cancelled", status.getCause());
      } finally {
        callLock.unlock();
      }
    }
  }

  /** The response headers' name of the compressor of the messages that follow. */
  private static final Metadata.Key<String> MESSAGE_ENCODING =
      Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * One tracer per attempt (grpc may retry or hedge a call). grpc commits to the first attempt
   * that receives headers, so that attempt alone reads the call's responses and trailers; the
   * others are cancelled, and a trailers-only answer may yet be retried (and holds no responses
   * back anyway).
   */
  private final class Tracing extends ClientStreamTracer.Factory {
    /** Set by the attempt that received headers first: the one grpc commits to. */
    private final AtomicBoolean committed = new AtomicBoolean();

    @Override
    public ClientStreamTracer newClientStreamTracer(
        ClientStreamTracer.StreamInfo info, Metadata headers) {
      streamDeadline = info.getCallOptions().getDeadline();
      return new ClientStreamTracer() {
        // This attempt's; written and read by its transport thread.
        private boolean isCommitted;
        private boolean compressed; // its headers name a compressor: wire sizes are not the sizes

        @Override
        public void inboundHeaders(Metadata headers) {
          isCommitted = committed.compareAndSet(false, true);
          String encoding = headers.get(MESSAGE_ENCODING);
          compressed = encoding != null && !encoding.equals("identity");
        }

        @Override
        public void inboundMessageRead(int seqNo, long wireSize, long uncompressedSize) {
          if (isCommitted) {
            // -1 from the in-process transport, which moves no bytes.
            messageRead(compressed || wireSize < 0 ? Marshalling.UNKNOWN_SIZE
                : (int) Math.min(Integer.MAX_VALUE, wireSize));
          }
        }

        @Override
        public void inboundTrailers(Metadata trailers) {
          if (isCommitted) {
            peerFinished();
          }
        }
      };
    }
  }
}
