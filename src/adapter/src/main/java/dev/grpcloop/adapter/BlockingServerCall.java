package dev.grpcloop.adapter;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One server call seen as a blocking stream: grpc's {@link ServerCall} and its listener on one
 * side, the handler's thread on the other. Handlers see it through {@link ServerStream} and its
 * halves.
 *
 * <p>grpc's startCall asks for the first messages and starts the handler's thread: at once for a
 * streaming request, once it is complete for one request. When the handler finishes, whatever the
 * way, its thread stops the call's helpers (waiting for them {@link HelperThreads#STOP_WAIT} at
 * most) and closes the call: once, unless grpc has already ended it, when there is nobody left to
 * tell.
 */
final class BlockingServerCall<ReqT, RespT> extends CallCore<ReqT, RespT>
    implements ServerStream<ReqT, RespT>, Marshalling.SerializationWatch {

  private static final Logger logger = Logger.getLogger(BlockingServerCalls.class.getName());

  /** The status of the second close, when the first threw. */
  private static final Status CLOSE_FAILED =
      Status.UNKNOWN.withDescription("Application error closing the call");

  private final ServerCall<ReqT, RespT> call;
  private final BlockingServerCalls.Binding<ReqT, RespT> binding;
  private final Metadata requestHeaders;
  private final Context context;

  /** The handler's thread; null if the binding's ThreadFactory gave none. */
  private final Thread handler;

  /**
   * The handler's thread was started. Only grpc's startCall and listener callbacks touch it, and
   * grpc runs those one at a time.
   */
  private boolean handlerStarted;

  /** Messages grpc delivered to a call of one request; touched as handlerStarted is. */
  private int requestsDelivered;

  /** The call's helper threads; made by the first fork. Guarded by lock. */
  private HelperThreads helpers;

  /** The handler finished: no helper may start. Guarded by lock. */
  private boolean handlerFinished;

  /** Response headers went to grpc. Guarded by callLock, like grpc's call that they went to. */
  private boolean headersSent;

  /**
   * grpc's call refused a response with IllegalStateException: it may have been closed under the
   * handler (by a server interceptor). Guarded by callLock.
   */
  private boolean sendRefused;

  /** Trailers the handler set so far, or null. Guarded by callLock. */
  private Metadata trailers;

  /**
   * Both closes of grpc's call threw: grpc's next message or half-close fails, so that grpc
   * closes the call itself. Set once, under callLock; read by grpc's callbacks, which take no
   * lock for it.
   */
  private volatile boolean closeFailed;

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
   * asks for 2 where one is expected, to tell a second one apart), starts the handler of a
   * streaming request ({@link #requestComplete} starts that of one request), and returns the
   * listener.
   */
  ServerCall.Listener<ReqT> start() {
    if (handler == null) {
      logger.log(Level.SEVERE, "The handler ThreadFactory returned null; failing the call");
      closeCall(Status.RESOURCE_EXHAUSTED.withDescription("no thread for the handler"), null);
      return new Listener(); // on a closed call its events change nothing, unless the close failed
    }
    requestInitial(binding.singleRequest() ? 2 : 1);
    if (!binding.singleRequest()) {
      startHandler();
    }
    return new Listener();
  }

  /**
   * On grpc's thread, after a message or the half-close: starts the handler of a call of one
   * request once that request is complete (the half-close, or a second message, which the handler
   * rejects), as grpc's own ServerCalls invoke a unary method at the half-close. Started with the
   * call, its thread would park at once for the request and be woken again by it: two hand-offs
   * where one does. And a call cancelled before runs no handler.
   */
  private void requestComplete(boolean halfClosed) {
    if (halfClosed || (binding.singleRequest() && ++requestsDelivered > 1)) {
      startHandler();
    }
  }

  private void startHandler() {
    if (!handlerStarted && handler != null) { // null: the call failed at its start
      handlerStarted = true;
      handler.start();
    }
  }

  // ---- the handler's side ----

  @Override
  public ReqT recv() throws InterruptedException, StatusException {
    return awaitMessage();
  }

  @Override
  public ReqT recv(long timeout, TimeUnit unit)
      throws InterruptedException, StatusException, TimeoutException {
    return awaitMessage(Timeouts.nanos(timeout, unit));
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
    writeWhenReady(message, Timeouts.nanos(timeout, unit));
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
    onOpenCall(() -> {
      if (headersSent) {
        throw new IllegalStateException("headers were already sent");
      }
      headersSent = true;
      call.sendHeaders(headers);
    });
  }

  @Override
  public void setTrailers(Metadata more) {
    onOpenCall(() -> trailers = merge(trailers, more));
  }

  @Override
  public void setCompression(String compressorName) {
    onOpenCall(() -> {
      if (headersSent) {
        throw new IllegalStateException("headers were already sent: set the compression before");
      }
      call.setCompression(compressorName);
    });
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    onOpenCall(() -> call.setMessageCompression(enabled));
  }

  @Override
  public boolean isCancelled() {
    return failure() != null;
  }

  @Override
  public Attributes attributes() {
    return readCall(call::getAttributes);
  }

  @Override
  public String authority() {
    return readCall(call::getAuthority);
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
    HelperThreads made;
    lock.lock();
    try {
      if (helpers == null) {
        if (handlerFinished) {
          throw new IllegalStateException("fork() after the handler finished");
        }
        helpers = new HelperThreads(context, handler);
      }
      made = helpers;
    } finally {
      lock.unlock();
    }
    return made.fork(task);
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
    try {
      if (!headersSent) {
        headersSent = true;
        call.sendHeaders(new Metadata());
      }
      sendWatched(message);
    } catch (IllegalStateException refused) {
      // grpc's "call is closed" (a server interceptor closed the call under the handler), or an
      // interceptor's own refusal. The handler hears it as a status; the call is closed as
      // usual when it ends, and a close refused as well is taken as the interceptor's (closeCall).
      sendRefused = true;
      throw Status.INTERNAL.withDescription("grpc refused the response").withCause(refused)
          .asException();
    }
    // The call failed while grpc had the message: its serialization failed (grpc cancelled the
    // stream and returned normally), or a cancel came meanwhile. Either way this send reports it.
    StatusException failed = failure();
    if (failed != null) {
      throw new StatusException(failed.getStatus(), failed.getTrailers());
    }
  }

  /**
   * Requires callLock. Hands {@code message} to grpc with this call as the Context's {@link
   * Marshalling#SENDING_CALL}, so that the stream its marshaller makes tells this call if it fails
   * to serialize, inside sendMessage or later, whichever thread sends. Only for the send: a Context
   * kept for the call's life would cost every call, idle ones too, 96 bytes.
   */
  private void sendWatched(RespT message) {
    Context watched = Context.current().withValue(Marshalling.SENDING_CALL, this);
    Context previous = watched.attach();
    try {
      call.sendMessage(message);
    } finally {
      watched.detach(previous);
    }
  }

  /** A response of this call could not be serialized, told on whichever thread read it. */
  @Override
  public void responseUnserializable(Exception cause) {
    // grpc cancels the stream: the client sees CANCELLED, and never this message or a status.
    ended(Status.INTERNAL.withDescription("the response could not be serialized").withCause(cause),
        null, true);
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
      Throwable cause = runHandlerAndStopHelpers();
      StatusException outcome = BlockingServerCalls.outcomeOf(cause, binding.method());
      // grpc's close runs interceptors, stats and, in-process, the client's listener on this
      // thread: never with an interrupt (ours, from a failed helper, or the handler's own) set.
      Thread.interrupted();
      closeCall(unlessCancelled(outcome.getStatus()), outcome.getTrailers());
      if (cause instanceof Error error) {
        throw error; // as grpc's ServerImpl does: the call is closed; the Error goes on
      }
    } finally {
      context.detach(previous);
    }
  }

  /** Runs the handler, then stops its helpers; returns what failed, a helper before the handler. */
  private Throwable runHandlerAndStopHelpers() {
    Throwable thrown = null;
    try {
      binding.body().run(this);
    } catch (Throwable t) {
      thrown = t;
    }
    Throwable helperFailed = stopHelpers();
    return helperFailed != null ? helperFailed : thrown;
  }

  /**
   * The handler's {@code status}, or the Context's if it was cancelled (its deadline passed) and
   * the handler returned OK: never a success then (cancel wins), even if grpc has not ended it.
   */
  private Status unlessCancelled(Status status) {
    return status.isOk() && context.isCancelled() ? Contexts.statusFromCancelled(context) : status;
  }

  /**
   * Stops the call's helpers, if it has any, waiting for them a bounded time ({@link
   * HelperThreads#stop}); returns the first failure of one while the handler ran, or null.
   */
  private Throwable stopHelpers() {
    HelperThreads made;
    lock.lock();
    try {
      handlerFinished = true;
      made = helpers;
    } finally {
      lock.unlock();
    }
    return made == null ? null : made.stop();
  }

  /**
   * Closes grpc's call once, unless grpc has already ended it; wakes any thread left waiting. A
   * close that throws (a server interceptor's) must still end the call for the client: it is
   * tried once more with {@link #CLOSE_FAILED}, and if that throws too, grpc is left to close the
   * call itself ({@link #abandonClose}).
   */
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
      closeOrRetry(status, all);
    } finally {
      callLock.unlock();
    }
  }

  /** Requires callLock. Closes grpc's call; if the close throws, retries once with UNKNOWN. */
  private void closeOrRetry(Status status, Metadata all) {
    Throwable failed = tryClose(status, all);
    if (failed instanceof IllegalStateException && sendRefused) {
      logger.log(Level.FINE, "The call was closed under the handler", failed);
      return;
    }
    if (failed != null) {
      logger.log(Level.WARNING, "Closing the call failed; closing it with UNKNOWN instead", failed);
      // Fresh trailers and the status grpc gives an application's failure: what failed may have
      // been about the first ones.
      failed = tryClose(CLOSE_FAILED.withCause(failed), new Metadata());
    }
    if (failed != null) {
      abandonClose(failed);
    }
  }

  /** Requires callLock. Closes grpc's call; returns what the close threw, or null. */
  private Throwable tryClose(Status status, Metadata all) {
    try {
      call.close(status, all);
      return null;
    } catch (RuntimeException | Error e) { // an interceptor's AssertionError too: logged, retried
      return e;
    }
  }

  /**
   * Requires callLock. Neither close reached grpc's call, which may be open still: grpc's next
   * message or half-close for it then fails ({@link Listener}), and grpc's ServerImpl closes the
   * call itself, below the interceptors, with UNKNOWN "Application error processing RPC". One
   * more message is asked for, so that the client's next message or half-close reaches the
   * listener even if the inbox was full. A call that gets no such event (its client sent
   * everything) ends at its deadline or the client's cancel.
   */
  private void abandonClose(Throwable failed) {
    logger.log(Level.SEVERE, "Closing the call failed again. If it is still open, grpc closes it"
        + " when the client next sends or half-closes; else it ends at its deadline or the"
        + " client's cancel", failed);
    closeFailed = true;
    try {
      call.request(1);
    } catch (RuntimeException e) {
      logger.log(Level.WARNING, "Asking for the client's next message failed too", e);
    }
  }

  /** Runs {@code action} on grpc's call, under callLock, unless this side has closed it. */
  private void onOpenCall(Runnable action) {
    callLock.lock();
    try {
      lock.lock();
      try {
        if (stateLocked() == State.CLOSED) {
          throw new IllegalStateException("the call is closed");
        }
      } finally {
        lock.unlock();
      }
      action.run();
    } finally {
      callLock.unlock();
    }
  }

  /** Reads from grpc's call, under callLock. */
  private <T> T readCall(Supplier<T> read) {
    callLock.lock();
    try {
      return read.get();
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

  /**
   * grpc's events for this call. Each only records and wakes: it must never block. Once this
   * side could not close the call, onMessage and onHalfClose throw instead: grpc's ServerImpl
   * closes a call whose listener throws there.
   */
  private final class Listener extends ServerCall.Listener<ReqT> {
    @Override
    public void onMessage(ReqT message) {
      checkCloseSucceeded();
      messageArrived(message, binding.requestSizes().of(message));
      requestComplete(false);
    }

    @Override
    public void onHalfClose() {
      checkCloseSucceeded();
      inputEnded();
      requestComplete(true);
    }

    @Override
    public void onReady() {
      readyChanged(); // not failed: an onReady may come late, after a close that went out
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

    private void checkCloseSucceeded() {
      if (closeFailed) {
        throw new IllegalStateException("The handler finished but closing the call failed (see"
            + " the SEVERE log before): failing grpc's event so that grpc closes the call");
      }
    }
  }
}
