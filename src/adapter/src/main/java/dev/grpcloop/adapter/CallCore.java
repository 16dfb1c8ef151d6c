package dev.grpcloop.adapter;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The life of one call as its blocking side sees it: one explicit {@link State}, the inbox that
 * grpc fills and {@code recv} drains, inbound flow control, and the readiness wait of {@code send}.
 * The server's and the client's call share it; each supplies its calls into grpc.
 *
 * <p>Every event goes through a transition below; each wakes whoever it may concern. "Drop" means
 * the inbox is emptied: a call that ends that way yields its buffered messages to nobody.
 *
 * <pre>
 * state          event                                  new state       action, who wakes
 * OPEN, PEER_FINISHED
 *                a message arrives                      same            enqueue; receiver
 * OPEN           the client half-closes (server)        INPUT_ENDED     receiver
 * OPEN           the server's trailers arrive (client)  PEER_FINISHED   sender
 * OPEN, INPUT_ENDED, PEER_FINISHED
 *                grpc ends the call OK (client)         INPUT_ENDED     all
 *                grpc ends it with an error             FAILED          drop if this side gave up
 *                                                                       (its cancel or deadline:
 *                                                                       cancel wins), never for the
 *                                                                       server's status; all
 * OPEN, PEER_FINISHED
 *                this side cancels (client)             FAILED          drop; grpc cancel; all
 *                this side closes (client)              FAILED          CANCELLED; drop; grpc
 *                                                                       cancel; all
 * INPUT_ENDED    this side closes (client) before recv  FAILED          CANCELLED; drop; all
 *                returned end-of-stream
 * INPUT_ENDED    this side closes (client) after        same            nothing: all was received
 * OPEN, INPUT_ENDED
 *                this side closes (server)              CLOSED          drop; grpc close; all
 * FAILED         this side closes                       same (client),  drop; nothing to tell grpc
 *                                                       CLOSED (server)
 * any            the transport becomes ready            same            sender
 * FAILED, CLOSED anything else                          same            messages are dropped
 * </pre>
 *
 * <p>{@code recv} returns the next buffered message in any state that kept them; with an empty
 * inbox it waits in OPEN and PEER_FINISHED, returns end-of-stream once in INPUT_ENDED, throws the
 * status in FAILED and {@link IllegalStateException} in CLOSED. What {@code send} may do in each
 * state is the side's rule ({@link #checkSendable}). A client's close is a cancel, so that its
 * threads, waiting or not, see the one outcome of a cancel (FAILED); CLOSED is the server's, once
 * its handler has finished and nobody may call either.
 *
 * <p>Two locks. {@code lock} guards every field here and each side's own state; grpc's callbacks
 * take only it, to record and signal, so they never wait for application work (grpc-java #7361).
 * {@code callLock} serialises calls into grpc's call object, which is not thread-safe; it is a
 * second lock because grpc may run a callback synchronously while a call into it is in progress
 * (in-process transport), so {@code lock} is never held across a call into grpc. A transition that
 * calls into grpc is made holding {@code callLock}, then {@code lock}, so that grpc sees calls in
 * the order of the transitions. Order: {@code callLock} before {@code lock}, never the reverse.
 * {@code request(n)} alone is made without {@code callLock}, from callbacks too: grpc documents it
 * as safe from any thread, and its own stubs call it so.
 *
 * <p>A client's call runs grpc's callbacks on its own parked threads ({@link CallbackExecutor}): a
 * wait runs the callbacks queued for it, without the locks, before it parks and when it wakes, and
 * each blocking operation runs what is left as it ends. A server's callbacks run on grpc's
 * threads.
 *
 * <p>Inbound flow control: at most one message is requested at a time, from the callback that
 * delivers the one before (no thread hop on a direct executor; a client's call renews it earlier,
 * when the transport reads the message, {@link #messageRead}, if the wire tells its size) or from
 * the {@code recv} that makes room, and only while the inbox holds less than its bounds. A message
 * counts its serialized size: as its marshaller tells it once it is delivered ({@link
 * Marshalling.Sizes}), and before that, on a client, as the wire tells it. So the inbox holds at
 * most {@code maxBufferedBytes} plus one message, and at most {@link #MAX_BUFFERED_MESSAGES}.
 *
 * @param <InT> messages received from the peer
 * @param <OutT> messages sent to the peer
 */
abstract class CallCore<InT, OutT> {

  /** Where a call stands; see the class comment for its transitions. */
  enum State {
    /** The call runs: messages may arrive, and this side may send. */
    OPEN,
    /** No message will arrive: the client half-closed (server), or the call ended OK (client). */
    INPUT_ENDED,
    /** Client: the server's trailers arrived; responses grpc still holds come, then its status. */
    PEER_FINISHED,
    /**
     * The call ended with an error: a cancel (a client's close too), a deadline, a broken
     * transport, a server status.
     */
    FAILED,
    /** Server: the handler finished and closed the call. Final. */
    CLOSED
  }

  /** The most messages a call holds that recv has not taken (with fewer bytes than its bound). */
  static final int MAX_BUFFERED_MESSAGES = 64;

  /** The timeout of a wait without one. */
  static final long NO_TIMEOUT = -1;

  /** A client's send when the call is over; the client turns it into {@code false}. */
  static final StatusException CALL_OVER =
      new StatusException(Status.OK.withDescription("the call is over"));

  /** Guards every mutable field, here and in the subclass; see the class comment. */
  final ReentrantLock lock = new ReentrantLock();

  /** Serialises calls into grpc's call object; see the class comment. */
  final ReentrantLock callLock = new ReentrantLock();

  /** No message is requested while the inbox holds this many bytes. */
  private final int maxBufferedBytes;

  /**
   * Whether messages are asked for as recv takes them. A call of one request asks for two at its
   * start and never more: the one, and enough to tell that a client sent too many.
   */
  private final boolean streamingInput;

  /** Runs grpc's callbacks on the threads that wait in the call (a client's); null: a server's. */
  private final CallbackExecutor callbacks;

  /** Where the call stands. Changed only by the transitions in the class comment. */
  private State state = State.OPEN;

  /** Why the call failed: set with FAILED, kept through CLOSED; null if it never failed. */
  private StatusException failure;

  /** recv returned end-of-stream: a further recv is a programming error. */
  private boolean endReturned;

  /** Messages grpc delivered that recv has not taken; null while there are none. */
  private Inbox<InT> inbox;

  /** Messages requested from grpc that have not arrived; never below 0. */
  private int inFlight;

  /** Incremented by every onReady, so that a sender cannot miss one between check and wait. */
  private long readyEvents;

  /** The thread now inside recv, if any: one receiver at a time. Claimed by CAS. */
  private volatile Thread receiver;

  /** The thread now inside send, if any: one sender at a time. Claimed by CAS. */
  private volatile Thread sender;

  /**
   * The receiver while it is parked for a message or a change of state; null otherwise. Set and
   * cleared by the receiver itself; whoever enqueues or changes the state unparks it. A thread of
   * its own, not a {@link Condition}: there is one receiver at a time, and a parked call then
   * keeps no wait node and no condition object. A message's or an onReady's wake-up is given after
   * the lock is released, so that the woken thread does not at once park again on the lock; one
   * that comes late is an early return from a later park, which every park tolerates (the
   * contract of {@link LockSupport#park}).
   */
  private Thread parkedReceiver;

  /** The sender while it is parked for an onReady or a change of state; as parkedReceiver. */
  private Thread parkedSender;

  private static final VarHandle RECEIVER;
  private static final VarHandle SENDER;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      RECEIVER = lookup.findVarHandle(CallCore.class, "receiver", Thread.class);
      SENDER = lookup.findVarHandle(CallCore.class, "sender", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * A call that holds at most {@code maxBufferedBytes} of unreceived messages; {@code
   * callbacksOnWaiters}: grpc's callbacks run on the threads waiting in it, through {@link
   * #callbackExecutor}.
   */
  CallCore(int maxBufferedBytes, boolean streamingInput, boolean callbacksOnWaiters) {
    this.maxBufferedBytes = maxBufferedBytes;
    this.streamingInput = streamingInput;
    this.callbacks = callbacksOnWaiters ? new CallbackExecutor(this::wakeWaiters) : null;
  }

  /** The executor to give grpc for this call's callbacks, or null where grpc's own run them. */
  final Executor callbackExecutor() {
    return callbacks;
  }

  /** Requires lock. Signals the side's own conditions too (a client's headers and trailers). */
  void signalOwnWaiters() {}

  // ---- what each side supplies ----

  /** Asks grpc for {@code count} more messages. May be called from any thread, without locks. */
  abstract void requestFromTransport(int count);

  /** Requires callLock. Whether grpc can take a message now without buffering beyond its limit. */
  abstract boolean transportReady();

  /** Requires callLock. Hands one message to grpc; only called when transportReady was true. */
  abstract void writeToTransport(OutT message) throws StatusException;

  /**
   * Requires lock. The side's own rule on sending in {@code state}, checked before the common one
   * (CLOSED: {@link IllegalStateException}; FAILED: the status): throws {@link
   * IllegalStateException} for the caller's misuse, or {@link #CALL_OVER} to end the send.
   */
  abstract void checkSendable(State state) throws StatusException;

  // ---- events from grpc: callbacks, which never block ----

  /** Asks for the first {@code count} messages: the call's initial credit. */
  final void requestInitial(int count) {
    lock.lock();
    try {
      inFlight += count;
    } finally {
      lock.unlock();
    }
    requestFromTransport(count);
  }

  /**
   * Client: the transport has read the next message, of serialized {@code size} as the wire tells
   * it, which grpc will deliver later ({@link #messageDelivered}), on whichever thread runs the
   * call's callbacks. It counts against the bounds from now, and it renews the credit here, on the
   * transport's thread: the next message is asked for before this one is handed over, so that
   * reading ahead does not wait for the thread that receives. A read without a size ({@link
   * Marshalling#UNKNOWN_SIZE}: in-process, compressed), or one the call did not ask for (the
   * in-process transport reports a message as read when the server writes it), changes nothing:
   * the message counts from its delivery, as on the server, and the next is asked for then.
   */
  final void messageRead(int size) {
    boolean more;
    lock.lock();
    try {
      if (size < 0 || inFlight == 0 || (state != State.OPEN && state != State.PEER_FINISHED)) {
        return;
      }
      inFlight--;
      if (inbox == null) {
        inbox = new Inbox<>();
      }
      inbox.reserve(size);
      more = claimCredit();
    } finally {
      lock.unlock();
    }
    if (more) {
      requestFromTransport(1);
    }
  }

  /**
   * Client: grpc delivers the next message, of serialized {@code size} (or {@link
   * Marshalling#UNKNOWN_SIZE}). It takes the place its read reserved, and counts from now by its
   * own size; one whose read was not counted ({@link #messageRead}) arrives here as on the server.
   */
  final void messageDelivered(InT message, int size) {
    boolean reserved;
    boolean more = false;
    Thread wake = null;
    lock.lock();
    try {
      reserved = inbox != null && inbox.reserved() > 0;
      if (reserved && (state == State.OPEN || state == State.PEER_FINISHED)) {
        inbox.fill(message, size);
        wake = parkedReceiver;
        more = claimCredit(); // its own size may leave room that its size on the wire did not
      }
    } finally {
      lock.unlock();
    }
    if (!reserved) {
      messageArrived(message, Math.max(0, size));
      return;
    }
    LockSupport.unpark(wake);
    if (more) {
      requestFromTransport(1);
    }
  }

  /** A message arrived, of serialized {@code size} bytes (0 if unknown). */
  final void messageArrived(InT message, int size) {
    boolean more;
    Thread wake = null;
    lock.lock();
    try {
      inFlight = Math.max(0, inFlight - 1); // an interceptor may have asked for more than we did
      if (state == State.OPEN || state == State.PEER_FINISHED) {
        enqueue(message, size);
        wake = parkedReceiver;
      }
      more = claimCredit();
    } finally {
      lock.unlock();
    }
    LockSupport.unpark(wake);
    if (more) {
      requestFromTransport(1);
    }
  }

  /** The client half-closed (server side). */
  final void inputEnded() {
    moveFromOpen(State.INPUT_ENDED);
  }

  /** The server's trailers arrived; its status follows once grpc has delivered what it holds. */
  final void peerFinished() {
    moveFromOpen(State.PEER_FINISHED);
  }

  /** onReady: the transport may take messages again. */
  final void readyChanged() {
    Thread wake;
    lock.lock();
    try {
      readyEvents++;
      wake = parkedSender;
    } finally {
      lock.unlock();
    }
    LockSupport.unpark(wake);
  }

  /**
   * grpc ended the call: OK (a client's call completed) or with an error. {@code abandoned}: this
   * side gave up (a cancel, its deadline), which drops the inbox; other errors, the server's status
   * above all, leave it to recv, which throws once it is empty.
   */
  final void ended(Status status, Metadata trailers, boolean abandoned) {
    lock.lock();
    try {
      if (state == State.FAILED || state == State.CLOSED) {
        return;
      }
      if (status.isOk()) {
        transition(State.INPUT_ENDED);
      } else {
        fail(new StatusException(status, trailers), abandoned);
      }
    } finally {
      lock.unlock();
    }
  }

  // ---- events from this side ----

  /** Requires callLock. Fails a running call from this side; returns whether grpc must be told. */
  final boolean cancelled(Status status) {
    lock.lock();
    try {
      if (state != State.OPEN && state != State.PEER_FINISHED) {
        return false;
      }
      fail(status.asException(), true);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Requires callLock. A client's close, which reads as a cancel with {@code status}: fails the
   * call unless it failed already or recv returned its end, and drops what it holds. Returns
   * whether grpc must be told (the call was running).
   */
  final boolean closedByClient(Status status) {
    lock.lock();
    try {
      State from = state;
      clearInbox();
      if (from != State.FAILED && !(from == State.INPUT_ENDED && endReturned)) {
        fail(status.asException(), true);
      }
      return from == State.OPEN || from == State.PEER_FINISHED;
    } finally {
      lock.unlock();
    }
  }

  /** Requires callLock. The server's handler closes the call; returns the state it was in. */
  final State markClosed() {
    lock.lock();
    try {
      State from = state;
      if (from != State.CLOSED) {
        clearInbox();
        transition(State.CLOSED);
      }
      return from;
    } finally {
      lock.unlock();
    }
  }

  /** The call's status if it failed (kept after close), or null. */
  final StatusException failure() {
    lock.lock();
    try {
      return failure;
    } finally {
      lock.unlock();
    }
  }

  /** Requires lock. Where the call stands now. */
  final State stateLocked() {
    return state;
  }

  // ---- the blocking operations ----

  /** Returns the next message, or null at end-of-stream; see the class comment for each state. */
  final InT awaitMessage() throws InterruptedException, StatusException {
    try {
      return awaitMessage(NO_TIMEOUT);
    } catch (TimeoutException impossible) {
      throw new AssertionError(impossible);
    }
  }

  /** {@link #awaitMessage()}, waiting at most {@code nanos} ({@link #NO_TIMEOUT}: no limit). */
  final InT awaitMessage(long nanos)
      throws InterruptedException, StatusException, TimeoutException {
    claim(RECEIVER, "recv");
    try {
      InT message;
      boolean more;
      lock.lockInterruptibly();
      try {
        while ((message = dequeue()) == null) {
          switch (state) {
            case CLOSED ->
                throw new IllegalStateException("recv() called after the call was closed");
            case FAILED -> throw failureException();
            case INPUT_ENDED -> {
              if (endReturned) {
                throw new IllegalStateException(
                    "recv() called again after it returned end-of-stream");
              }
              endReturned = true;
              return null;
            }
            default -> { // OPEN, PEER_FINISHED: more may come
              if (inbox != null && inbox.count() == 0) {
                inbox = null; // a parked call keeps no empty ring: the next message makes one
              }
              nanos = park(true, nanos, "recv");
            }
          }
        }
        more = claimCredit();
      } finally {
        lock.unlock();
      }
      if (more) {
        requestFromTransport(1);
      }
      return message;
    } finally {
      RECEIVER.setVolatile(this, null);
      leaveWait();
    }
  }

  /** Sends one message once the transport is ready; throws when this side may not send. */
  final void writeWhenReady(OutT message) throws InterruptedException, StatusException {
    try {
      writeWhenReady(message, NO_TIMEOUT);
    } catch (TimeoutException impossible) {
      throw new AssertionError(impossible);
    }
  }

  /** {@link #writeWhenReady(Object)}, waiting at most {@code nanos} ({@link #NO_TIMEOUT}: none). */
  final void writeWhenReady(OutT message, long nanos)
      throws InterruptedException, StatusException, TimeoutException {
    if (message == null) {
      throw new NullPointerException("message");
    }
    claim(SENDER, "send");
    try {
      for (;;) {
        long seenEvents;
        State seenState;
        callLock.lockInterruptibly();
        try {
          lock.lock();
          try {
            checkSendable(state);
            if (state == State.CLOSED) {
              throw new IllegalStateException("send() called after the call was closed");
            }
            if (state == State.FAILED) {
              throw failureException();
            }
            seenEvents = readyEvents;
            seenState = state;
          } finally {
            lock.unlock();
          }
          if (transportReady()) {
            writeToTransport(message);
            return;
          }
        } finally {
          callLock.unlock();
        }
        // Not ready: wait for an onReady since the check (none can be missed), or a new state.
        lock.lockInterruptibly();
        try {
          while (readyEvents == seenEvents && state == seenState) {
            nanos = park(false, nanos, "send");
          }
        } finally {
          lock.unlock();
        }
      }
    } finally {
      SENDER.setVolatile(this, null);
      leaveWait();
    }
  }

  /**
   * The calling thread leaves a blocking operation of the call: it runs the callbacks still queued
   * for the threads that waited (a client's call). Must not hold the locks.
   */
  final void leaveWait() {
    if (callbacks != null) {
      callbacks.runQueued();
    }
  }

  /** Requires lock, held once. recv's and send's wait: {@link #waitOnce}, parked as their thread. */
  private long park(boolean receiving, long nanos, String operation)
      throws InterruptedException, TimeoutException {
    return waitOnce(null, receiving, nanos, operation);
  }

  /** Requires lock, held once. A side's own wait, which many threads may share: on a condition. */
  final long await(Condition condition, long nanos, String operation)
      throws InterruptedException, TimeoutException {
    return waitOnce(condition, false, nanos, operation);
  }

  /**
   * Requires lock, held once. Waits once, on {@code shared} or else parked as the call's receiver
   * ({@code receiving}) or sender, for at most {@code nanos} ({@link #NO_TIMEOUT}: without limit),
   * and returns the nanos left; throws once none are left. The caller looks again at what it waits
   * for: a wait may end early. Where callbacks wait for a thread of the call (a client's), this
   * thread runs them instead, without the lock, and returns. An operation that waits here ends with
   * {@link #leaveWait}.
   */
  private long waitOnce(Condition shared, boolean receiving, long nanos, String operation)
      throws InterruptedException, TimeoutException {
    long start = nanos == NO_TIMEOUT ? 0 : System.nanoTime();
    if (callbacks != null && callbacks.hasQueued()) {
      lock.unlock();
      try {
        callbacks.runQueued();
      } finally {
        lock.lock();
      }
    } else {
      if (nanos != NO_TIMEOUT && nanos <= 0) {
        throw new TimeoutException(operation + "() timed out; the call goes on");
      }
      if (callbacks != null) {
        callbacks.parking();
      }
      try {
        if (shared == null) {
          parkOnce(receiving, nanos);
        } else if (nanos == NO_TIMEOUT) {
          shared.await();
        } else {
          shared.awaitNanos(nanos);
        }
      } finally {
        if (callbacks != null) {
          callbacks.unparked();
        }
      }
    }
    return nanos == NO_TIMEOUT ? NO_TIMEOUT : Math.max(0, nanos - (System.nanoTime() - start));
  }

  /** Requires lock, held once, which it releases while parked. Throws if interrupted. */
  private void parkOnce(boolean receiving, long nanos) throws InterruptedException {
    Thread current = Thread.currentThread();
    if (receiving) {
      parkedReceiver = current;
    } else {
      parkedSender = current;
    }
    lock.unlock();
    try {
      if (nanos == NO_TIMEOUT) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, nanos);
      }
    } finally {
      lock.lock();
      if (receiving) {
        parkedReceiver = null;
      } else {
        parkedSender = null;
      }
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  /** Wakes every thread waiting in the call, to run the callbacks queued for them. */
  private void wakeWaiters() {
    lock.lock();
    try {
      wakeReceiverAndSender();
      signalOwnWaiters();
    } finally {
      lock.unlock();
    }
  }

  // ---- helpers; each requires lock ----

  private void moveFromOpen(State to) {
    lock.lock();
    try {
      if (state == State.OPEN) {
        transition(to);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Requires lock. Records a failure; cancel wins: {@code dropInbox} releases what was held. */
  private void fail(StatusException cause, boolean dropInbox) {
    failure = cause;
    if (dropInbox) {
      clearInbox();
    }
    transition(State.FAILED);
  }

  /** Requires lock. Every change of state wakes every waiter, who re-reads the state. */
  private void transition(State to) {
    state = to;
    wakeReceiverAndSender();
  }

  /** Requires lock. */
  private void wakeReceiverAndSender() {
    LockSupport.unpark(parkedReceiver);
    LockSupport.unpark(parkedSender);
  }

  /** Requires lock. Whether to ask for one more message now; if so, counts it as in flight. */
  private boolean claimCredit() {
    boolean moreMayArrive = state == State.OPEN || state == State.PEER_FINISHED;
    if (!streamingInput || !moreMayArrive || inFlight > 0 || (inbox != null
        && (inbox.count() >= MAX_BUFFERED_MESSAGES || inbox.bytes() >= maxBufferedBytes))) {
      return false;
    }
    inFlight = 1;
    return true;
  }

  /** Requires lock. A fresh exception per throw, so that its stack trace shows the caller. */
  private StatusException failureException() {
    return new StatusException(failure.getStatus(), failure.getTrailers());
  }

  /** Requires lock. */
  private void enqueue(InT message, int size) {
    if (inbox == null) {
      inbox = new Inbox<>();
    }
    inbox.add(message, size);
  }

  /** Requires lock. Takes the oldest message, or returns null if there is none. */
  private InT dequeue() {
    return inbox == null ? null : inbox.poll();
  }

  /** Requires lock. Drops every buffered message. */
  private void clearInbox() {
    inbox = null;
  }

  /** Makes the calling thread the one inside {@code operation}, or throws if another is. */
  private void claim(VarHandle role, String operation) {
    Thread current = Thread.currentThread();
    if (!role.compareAndSet(this, null, current)) {
      throw new IllegalStateException(
          operation + "() called from " + current + " while " + role.getVolatile(this)
              + " is still inside it: use one " + operation + " thread at a time");
    }
  }
}
