package dev.grpcloop.adapter;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.concurrent.TimeoutException;
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
 *                this side cancels or closes (client)   FAILED          drop; grpc cancel; all
 * INPUT_ENDED    this side cancels or closes (client)   FAILED          drop; all
 *                before recv returned end-of-stream
 * INPUT_ENDED    the same after recv returned           same            nothing: all was received
 *                end-of-stream
 * OPEN, INPUT_ENDED
 *                this side closes (server)              CLOSED          drop; grpc close; all
 * FAILED         this side cancels or closes (client)   same            drop; nothing to tell grpc
 * FAILED         this side closes (server)              CLOSED          drop; nothing to tell grpc
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
 * <p>Locks (the design notes' "Two locks, one way to wait" say why): {@code lock} guards every
 * field, here and in each side, and every wait parks the waiting thread without it ({@link
 * #awaitOnce}); whoever changes what a thread waits for does so under the lock and unparks it.
 * {@code callLock} serialises calls into grpc's call object, and is taken first; {@code lock} is
 * never held across a call into grpc, which may run a callback on the calling thread. A transition
 * that calls into grpc holds both, so grpc sees calls in the order of the transitions.
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
    /** The call ended with an error: a cancel or close, a deadline, the transport, the server. */
    FAILED,
    /** Server: the handler finished and closed the call. Final. */
    CLOSED
  }

  /** A client's send when the call is over; the client turns it into {@code false}. */
  static final StatusException CALL_OVER =
      new StatusException(Status.OK.withDescription("the call is over"));

  /** What {@link #tryWrite} returns once the message went to grpc. */
  private static final long WRITTEN = -1;

  /** Guards every mutable field, here and in the subclass; see the class comment. */
  final ReentrantLock lock = new ReentrantLock();

  /** Serialises calls into grpc's call object; see the class comment. */
  final ReentrantLock callLock = new ReentrantLock();

  /** Where the call stands. Changed only by {@link #transition}, as the class comment says. */
  private State state = State.OPEN;

  /** Why the call failed: set with FAILED, kept through CLOSED; null if it never failed. */
  private StatusException failure;

  /** recv returned end-of-stream: a further recv is a programming error. */
  private boolean endReturned;

  /** Messages grpc delivered that recv has not taken, and inbound flow control: its bounds. */
  private final Inbox<InT> inbox;

  /**
   * Counts onReady events and changes of state: a sender that found the transport not ready waits
   * until it changes, so that none is missed between its look and its wait.
   */
  private long sendEvents;

  /**
   * The thread inside recv, or null: one receiver at a time. It is the only thread that waits for
   * a message: unparked by a message, a change of state, a queued callback.
   */
  private Thread receiver;

  /**
   * The thread inside send, or null: one sender at a time. It is the only thread that waits for
   * readiness: unparked by an onReady, a change of state, a queued callback.
   */
  private Thread sender;

  /** A call that holds at most {@code maxBufferedBytes} of messages recv has not taken. */
  CallCore(int maxBufferedBytes, boolean streamingInput) {
    this.inbox = new Inbox<>(maxBufferedBytes, streamingInput);
  }

  // ---- what each side supplies ----

  /** Asks grpc for {@code count} more messages. May be called from any thread, without locks. */
  abstract void requestFromTransport(int count);

  /** Requires callLock. Whether grpc can take a message now without buffering beyond its limit. */
  abstract boolean transportReady();

  /** Requires callLock. Hands one message to grpc; only called when transportReady was true. */
  abstract void writeToTransport(OutT message) throws StatusException;

  /**
   * Requires lock. The side's rule on sending in {@code state}, before the common one (CLOSED:
   * misuse; FAILED: the status): throws {@link IllegalStateException} for the caller's misuse, or
   * {@link #CALL_OVER} to end the send.
   */
  abstract void checkSendable(State state) throws StatusException;

  /**
   * Requires lock, held once. The call's one wait: parks, for at most {@code nanos}, as {@link
   * Timeouts#park} says. A client's thread runs the callbacks queued for the call's threads
   * instead ({@link CallbackExecutor#awaitOrRun}); an operation that waits here ends with {@link
   * #leaveWait}.
   */
  long awaitOnce(long nanos, String operation) throws InterruptedException, TimeoutException {
    return Timeouts.park(lock, this, nanos, operation);
  }

  /** The calling thread leaves a blocking operation (a client's runs what is still queued). */
  void leaveWait() {}

  // ---- events from grpc: callbacks, which never block ----

  /** Asks for the first {@code count} messages: the call's initial credit. */
  final void requestInitial(int count) {
    lock.lock();
    try {
      inbox.requested(count);
    } finally {
      lock.unlock();
    }
    requestFromTransport(count);
  }

  /**
   * Client, on the transport's thread: the next message was read, of {@code size} on the wire
   * ({@link Marshalling#UNKNOWN_SIZE}: in-process, compressed); see {@link Inbox#read}.
   */
  final void messageRead(int size) {
    boolean more;
    lock.lock();
    try {
      more = inbox.read(size, messagesMayArrive());
    } finally {
      lock.unlock();
    }
    requestIf(more);
  }

  /** grpc delivers a message of serialized {@code size}; see {@link Inbox#delivered}. */
  final void messageArrived(InT message, int size) {
    boolean more;
    lock.lock();
    try {
      more = inbox.delivered(message, size, messagesMayArrive());
      Timeouts.unpark(receiver);
    } finally {
      lock.unlock();
    }
    requestIf(more);
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
    lock.lock();
    try {
      sendEvents++;
      Timeouts.unpark(sender);
    } finally {
      lock.unlock();
    }
  }

  /**
   * grpc ended the call, OK (a client's) or not. {@code abandoned}: this side gave up (a cancel,
   * its deadline), which drops the inbox; any other status comes after what the inbox holds.
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

  /**
   * A client's cancel or close: drops the inbox, and fails the call unless it failed already or
   * recv returned its end. Requires callLock where grpc is told after it (a Context's cancel,
   * which grpc hears of itself, takes only lock).
   */
  final void cancelledByClient(Status status) {
    lock.lock();
    try {
      inbox.drop();
      if (state != State.FAILED && !(state == State.INPUT_ENDED && endReturned)) {
        fail(status.asException(), true);
      }
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
        inbox.drop();
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
    return Timeouts.untimed(this::awaitMessage);
  }

  /** {@link #awaitMessage()}, waiting at most {@code nanos} ({@link Timeouts}). */
  final InT awaitMessage(long nanos)
      throws InterruptedException, StatusException, TimeoutException {
    InT message;
    boolean more;
    try {
      lock.lockInterruptibly();
      try {
        receiver = claim(receiver, "recv");
        try {
          message = nextMessage(nanos);
          more = message != null && inbox.claimCredit(messagesMayArrive());
        } finally {
          receiver = null;
        }
      } finally {
        lock.unlock();
      }
      requestIf(more);
      return message;
    } finally {
      leaveWait();
    }
  }

  /** Sends one message once the transport is ready; throws when this side may not send. */
  final void writeWhenReady(OutT message) throws InterruptedException, StatusException {
    Timeouts.untimed(nanos -> {
      writeWhenReady(message, nanos);
      return null;
    });
  }

  /** {@link #writeWhenReady(Object)}, waiting at most {@code nanos} ({@link Timeouts}). */
  final void writeWhenReady(OutT message, long nanos)
      throws InterruptedException, StatusException, TimeoutException {
    if (message == null) {
      throw new NullPointerException("message");
    }
    try {
      lock.lockInterruptibly();
      try {
        sender = claim(sender, "send");
      } finally {
        lock.unlock();
      }
      try {
        for (long seen; (seen = tryWrite(message)) != WRITTEN; ) {
          nanos = awaitSendEvent(seen, nanos);
        }
      } finally {
        lock.lock();
        sender = null;
        lock.unlock();
      }
    } finally {
      leaveWait();
    }
  }

  // ---- the steps of the blocking operations ----

  /** Requires lock, held once. recv's loop: takes a message, or ends, or waits for a change. */
  private InT nextMessage(long nanos)
      throws InterruptedException, StatusException, TimeoutException {
    for (;;) {
      InT message = inbox.poll();
      if (message != null) {
        return message;
      }
      switch (state) {
        case CLOSED -> throw new IllegalStateException("recv() called after the call was closed");
        case FAILED -> throw failureException();
        case INPUT_ENDED -> {
          if (endReturned) {
            throw new IllegalStateException("recv() called again after it returned end-of-stream");
          }
          endReturned = true;
          return null;
        }
        default -> { // OPEN, PEER_FINISHED: more may come
          inbox.releaseIfEmpty();
          nanos = awaitOnce(nanos, "recv");
        }
      }
    }
  }

  /** send's one try: writes the message and returns {@link #WRITTEN}, or the events seen. */
  private long tryWrite(OutT message) throws InterruptedException, StatusException {
    callLock.lockInterruptibly();
    try {
      long seen;
      lock.lock();
      try {
        checkSendable(state);
        if (state == State.CLOSED) {
          throw new IllegalStateException("send() called after the call was closed");
        }
        if (state == State.FAILED) {
          throw failureException();
        }
        seen = sendEvents;
      } finally {
        lock.unlock();
      }
      if (!transportReady()) {
        return seen;
      }
      writeToTransport(message);
      return WRITTEN;
    } finally {
      callLock.unlock();
    }
  }

  /** Waits until an onReady or a change of state since {@code seen}; returns the nanos left. */
  private long awaitSendEvent(long seen, long nanos)
      throws InterruptedException, TimeoutException {
    lock.lockInterruptibly();
    try {
      while (sendEvents == seen) {
        nanos = awaitOnce(nanos, "send");
      }
      return nanos;
    } finally {
      lock.unlock();
    }
  }

  // ---- helpers ----

  /** Asks grpc for the next message if the inbox said so. Without locks. */
  private void requestIf(boolean more) {
    if (more) {
      requestFromTransport(1);
    }
  }

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
      inbox.drop();
    }
    transition(State.FAILED);
  }

  /** Requires lock. Every change of state wakes the receiver and the sender, who look again. */
  private void transition(State to) {
    state = to;
    sendEvents++;
    wakeReceiverAndSender();
  }

  /** Requires lock. Unparks the receiver and the sender, if any: they look again. */
  final void wakeReceiverAndSender() {
    Timeouts.unpark(receiver);
    Timeouts.unpark(sender);
  }

  /** Requires lock. Whether grpc may still deliver messages: OPEN or PEER_FINISHED. */
  private boolean messagesMayArrive() {
    return state == State.OPEN || state == State.PEER_FINISHED;
  }

  /** Requires lock. A fresh exception per throw, so that its stack trace shows the caller. */
  private StatusException failureException() {
    return new StatusException(failure.getStatus(), failure.getTrailers());
  }

  /** Requires lock. The calling thread, as the one inside {@code operation}, unless another is. */
  private static Thread claim(Thread holder, String operation) {
    Thread current = Thread.currentThread();
    if (holder != null) {
      throw new IllegalStateException(operation + "() called from " + current + " while " + holder
          + " is still inside it: use one " + operation + " thread at a time");
    }
    return current;
  }
}
