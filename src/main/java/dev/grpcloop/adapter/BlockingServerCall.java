package dev.grpcloop.adapter;

import dev.grpcloop.adapter.BlockingServerCalls.Marshalling;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One server call seen as a blocking stream: grpc's {@link ServerCall} and its listener on one
 * side, the handler's thread on the other. Handlers see it through {@link ServerStream} and its
 * halves.
 *
 * <p>grpc's startCall asks for the first messages and starts the handler's thread. When the
 * handler finishes, whatever the way, its thread stops the call's helpers and closes the call:
 * once, unless grpc has already ended it, when there is nobody left to tell.
 */
final class BlockingServerCall<ReqT, RespT> extends CallCore<ReqT, RespT>
    implements ServerStream<ReqT, RespT> {

  private static final Logger logger = Logger.getLogger(BlockingServerCalls.class.getName());

  private final ServerCall<ReqT, RespT> call;
  private final BlockingServerCalls.Binding<ReqT, RespT> binding;
  private final Metadata requestHeaders;
  private final Context context;

  /** The handler's thread; null if the binding's ThreadFactory gave none. */
  private final Thread handler;

  /** Helper threads still running; null until the first fork. Guarded by lock. */
  private List<Thread> helpers;

  /** The handler finished: no more helpers. Guarded by lock. */
  private boolean helpersStopped;

  /** What the first failed helper threw, while the handler ran. Guarded by lock. */
  private Throwable helperFailure;

  /** Response headers went to grpc. Guarded by callLock, like grpc's call that they went to. */
  private boolean headersSent;

  /** Trailers the handler set so far, or null. Guarded by callLock. */
  private Metadata trailers;

  BlockingServerCall(ServerCall<ReqT, RespT> call, Metadata requestHeaders, Context context,
      BlockingServerCalls.Binding<ReqT, RespT> binding) {
    super(binding.maxBufferedBytes(), !binding.singleRequest());
    this.call = call;
    this.binding = binding;
    this.requestHeaders = requestHeaders;
    this.context = context;
    this.handler = binding.threads().newThread(this::runToCompletion);
  }

  /**
   * Called by grpc's startCall, on grpc's thread: asks for the first messages (grpc's ServerCalls
   * asks for 2 where one is expected, to tell a second one apart), starts the handler, and returns
   * the listener.
   */
  ServerCall.Listener<ReqT> start() {
    if (handler == null) {
      logger.log(Level.SEVERE, "The handler ThreadFactory returned null; failing the call");
      closeCall(Status.RESOURCE_EXHAUSTED.withDescription("no thread for the handler"), null);
      return new ServerCall.Listener<>() {};
    }
    requestInitial(binding.singleRequest() ? 2 : 1);
    handler.start();
    return new Listener();
  }

  // ---- the handler's side ----

  @Override
  public ReqT recv() throws InterruptedException, StatusException {
    return awaitMessage();
  }

  @Override
  public ReqT recv(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException {
    return awaitMessage(Math.max(0, unit.toNanos(timeout)));
  }

  @Override
  public void send(RespT message) throws InterruptedException, StatusException {
    checkHandlerMaySend();
    writeWhenReady(message);
  }

  @Override
  public void send(RespT message, long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException {
    checkHandlerMaySend();
    writeWhenReady(message, Math.max(0, unit.toNanos(timeout)));
  }

  private void checkHandlerMaySend() {
    if (!binding.handlerMaySend()) {
      throw new IllegalStateException("send() in a unary or client-streaming handler: "
          + "return the response instead");
    }
  }

  @Override
  public Metadata requestHeaders() {
    return requestHeaders;
  }

  @Override
  public void sendHeaders(Metadata headers) {
    callLock.lock();
    try {
      checkNotClosed();
      if (headersSent) {
        throw new IllegalStateException("headers were already sent");
      }
      headersSent = true;
      call.sendHeaders(headers);
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public void setTrailers(Metadata more) {
    callLock.lock();
    try {
      checkNotClosed();
      trailers = merge(trailers, more);
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public void setCompression(String compressorName) {
    callLock.lock();
    try {
      checkNotClosed();
      if (headersSent) {
        throw new IllegalStateException("headers were already sent: set the compression before");
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
      checkNotClosed();
      call.setMessageCompression(enabled);
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public boolean isCancelled() {
    return failure() != null;
  }

  @Override
  public Attributes attributes() {
    callLock.lock();
    try {
      return call.getAttributes();
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public String authority() {
    callLock.lock();
    try {
      return call.getAuthority();
    } finally {
      callLock.unlock();
    }
  }

  @Override
  public MethodDescriptor<ReqT, RespT> method() {
    return binding.method();
  }

  @Override
  public Deadline deadline() {
    return context.getDeadline();
  }

  @Override
  public Thread fork(Task task) {
    Thread thread = Thread.ofVirtual().name(handler.getName() + " helper")
        .unstarted(() -> runHelper(task));
    lock.lock();
    try {
      if (helpersStopped) {
        throw new IllegalStateException("fork() after the handler finished");
      }
      if (helpers == null) {
        helpers = new ArrayList<>(2);
      }
      helpers.add(thread);
    } finally {
      lock.unlock();
    }
    thread.start();
    return thread;
  }

  /**
   * The one request of a unary or server-streaming call: exactly one message, then end-of-stream.
   * Anything else is the client's protocol error.
   */
  ReqT recvSingleRequest() throws InterruptedException, StatusException {
    ReqT request = recv();
    if (request == null) {
      throw Status.INTERNAL.withDescription("Half-closed without a request").asException();
    }
    if (recv() != null) {
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
  void writeToTransport(RespT message) throws StatusException {
    if (!headersSent) {
      headersSent = true;
      call.sendHeaders(new Metadata());
    }
    long failuresBefore = Marshalling.serializeFailures();
    call.sendMessage(message);
    RuntimeException failed = Marshalling.serializeFailureSince(failuresBefore);
    if (failed != null) {
      // grpc cancelled the stream (and logged why): the client will not see this message or OK.
      Status status = Status.INTERNAL.withDescription("the response could not be serialized")
          .withCause(failed);
      ended(status, null, true);
      throw status.asException();
    }
  }

  @Override
  void checkSendable(State state) {
    // Nothing of its own: the client's half-close (INPUT_ENDED) ends only the client's side.
  }

  // ---- ending the call ----

  private void runToCompletion() {
    // The call's Context is current for the handler, as it is for grpc's own callbacks: its
    // deadline, its cancellation, and what interceptors put there.
    Context previous = context.attach();
    try {
      Throwable thrown = null;
      try {
        binding.body().run(this);
      } catch (Throwable t) {
        thrown = t;
      }
      Throwable helperFailed = stopHelpers();
      Throwable cause = helperFailed != null ? helperFailed : thrown;
      StatusException outcome = outcomeOf(cause);
      // grpc's close runs interceptors, stats and, in-process, the client's listener on this
      // thread: never with an interrupt (ours, from a failed helper, or the handler's own) set.
      Thread.interrupted();
      closeCall(outcome.getStatus(), outcome.getTrailers());
      if (cause instanceof Error error) {
        throw error; // as grpc's ServerImpl does: the call is closed; the Error goes on
      }
    } finally {
      context.detach(previous);
    }
  }

  /** The status that {@code cause} ends the call with: OK for none; see {@link BlockingServerCalls}. */
  private StatusException outcomeOf(Throwable cause) {
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
      logger.log(Level.WARNING, "Handler for " + binding.method().getFullMethodName() + " failed",
          cause);
    }
    return Status.UNKNOWN.withDescription("Application error processing RPC").asException();
  }

  private void runHelper(Task task) {
    Thread self = Thread.currentThread();
    try {
      context.call(() -> {
        task.run();
        return null;
      });
    } catch (Throwable t) {
      helperFailed(t);
    } finally {
      lock.lock();
      try {
        if (!helpersStopped) {
          helpers.remove(self);
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * A helper threw. While the handler runs, the first failure becomes the call's and the handler
   * is interrupted, so that it stops waiting in recv or send. After, a helper was stopped by the
   * interrupt of {@link #stopHelpers}, and anything else it throws is only logged.
   */
  private void helperFailed(Throwable t) {
    boolean first;
    boolean afterHandler;
    lock.lock();
    try {
      afterHandler = helpersStopped;
      first = !afterHandler && helperFailure == null;
      if (first) {
        helperFailure = t;
      }
    } finally {
      lock.unlock();
    }
    if (first) {
      handler.interrupt();
    } else if (!(t instanceof InterruptedException)) {
      logger.log(Level.WARNING, "A helper of " + binding.method().getFullMethodName()
          + " failed " + (afterHandler ? "after the handler returned" : "too"), t);
    }
  }

  /** Interrupts the helpers still running and waits for them; returns the first failure. */
  private Throwable stopHelpers() {
    List<Thread> running;
    lock.lock();
    try {
      helpersStopped = true;
      running = helpers;
      helpers = null;
    } finally {
      lock.unlock();
    }
    if (running != null) {
      running.forEach(Thread::interrupt);
      for (Thread helper : running) {
        joinUninterruptibly(helper);
      }
    }
    lock.lock();
    try {
      return helperFailure;
    } finally {
      lock.unlock();
    }
  }

  private static void joinUninterruptibly(Thread thread) {
    for (;;) {
      try {
        thread.join();
        return;
      } catch (InterruptedException e) {
        // A helper failing meanwhile interrupted the handler: the outcome is already recorded.
      }
    }
  }

  /** Closes grpc's call once, unless grpc has already ended it; wakes any thread left waiting. */
  private void closeCall(Status status, Metadata errorTrailers) {
    callLock.lock();
    try {
      State from = markClosed();
      if (from != State.OPEN && from != State.INPUT_ENDED) {
        // Ended by grpc, which told the client how. A status sent now could only race the
        // transport's own: on Netty, for a request over the size limit, it replaced the client's
        // RESOURCE_EXHAUSTED with CANCELLED, and at times failed the whole connection.
        return;
      }
      Metadata all = merge(merge(new Metadata(), trailers), errorTrailers);
      trailers = null;
      call.close(status, all);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "Closing the call failed", e);
    } finally {
      callLock.unlock();
    }
  }

  /** Requires callLock. Throws if this side has closed the call. */
  private void checkNotClosed() {
    lock.lock();
    try {
      if (stateLocked() == State.CLOSED) {
        throw new IllegalStateException("the call is closed");
      }
    } finally {
      lock.unlock();
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
      messageArrived(message, Marshalling.takeSize(message));
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
      // The cause (a deadline) is in the Context, which may be cancelled a moment after this.
      Status status = Contexts.statusFromCancelled(context);
      if (status == null) {
        status = Status.CANCELLED.withDescription("the client cancelled the call");
      }
      ended(status, null, true);
    }

    @Override
    public void onComplete() {
      // Normally this side closed the call first, and this changes nothing. But grpc also ends a
      // call by itself (a request it cannot parse): the handler, perhaps in recv, must hear of it.
      ended(Status.CANCELLED.withDescription("grpc ended the call before the handler did"), null,
          true);
    }
  }
}
