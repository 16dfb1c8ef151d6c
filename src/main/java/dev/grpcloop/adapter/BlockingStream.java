package dev.grpcloop.adapter;

import io.grpc.Status;
import io.grpc.StatusException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The blocking machinery that a server call and a client call share: an inbox that the transport
 * fills and {@link #awaitMessage} drains, with inbound flow control, and a readiness wait for
 * {@link #writeWhenReady}.
 *
 * <p>Two locks, never held together by one thread in the order {@code lock} then {@code callLock}:
 *
 * <ul>
 *   <li>{@code lock} guards this object's state. grpc callbacks take it only to record an event and
 *       signal a condition, so they never block on application work (grpc-java #7361).
 *   <li>{@code callLock} serialises every call into grpc's call object, which is not thread-safe.
 *       grpc may run a callback synchronously inside such a call (in-process transport, direct
 *       executor); that callback then takes {@code lock}, which is never held while waiting for
 *       {@code callLock}, so the two cannot deadlock.
 * </ul>
 *
 * @param <InT> messages received from the peer
 * @param <OutT> messages sent to the peer
 */
abstract class BlockingStream<InT, OutT> {

  /** Messages requested from the transport ahead of {@code recv}: the most a peer can make us hold. */
  static final int WINDOW = 64;

  /** Refill the window once this many requested messages have been consumed. */
  private static final int REFILL = WINDOW / 2;

  /** Guards all mutable state below. */
  final ReentrantLock lock = new ReentrantLock();

  /** Signalled when the inbox gains a message, input ends, or the call fails. */
  private final Condition readable = lock.newCondition();

  /** Signalled when the transport may be ready again, or the call fails. */
  private final Condition writable = lock.newCondition();

  /** Serialises calls into grpc's call object; see the class comment. */
  final ReentrantLock callLock = new ReentrantLock();

  /**
   * The inbox: messages delivered by the transport and not yet taken by {@code recv}, a ring of
   * WINDOW slots (never more are requested). Made by the first message, dropped while recv waits
   * on an empty inbox and when the call ends, so a parked or idle stream does not carry it.
   */
  private Object[] items;

  /** items index for the next take. */
  private int takeIndex;

  /** Number of messages in the inbox. */
  private int count;

  /** Messages requested from the transport that have not arrived yet. */
  private int inFlight;

  /** The peer will send no more messages; {@code recv} returns null once the inbox is empty. */
  private boolean inputEnded;

  /** recv has returned null once; calling it again is a programming error. */
  private boolean endReturned;

  /** This side closed the call (server: the handler returned; client: close()). */
  private boolean closed;

  /**
   * Why the call is over, or null while it is not. A server call sets it when cancelled; a client
   * call when grpc closes it, with OK for a normal end. Once set, never changes.
   */
  private StatusException failure;

  /** Incremented by every onReady callback, so a sender cannot miss one between check and wait. */
  private long readyEvents;

  /** The thread now inside recv, if any: one receiver at a time. Set by CAS through RECEIVER. */
  private volatile Thread receiver;

  /** The thread now inside send, if any: one sender at a time. Set by CAS through SENDER. */
  private volatile Thread sender;

  private static final VarHandle RECEIVER;
  private static final VarHandle SENDER;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      RECEIVER = lookup.findVarHandle(BlockingStream.class, "receiver", Thread.class);
      SENDER = lookup.findVarHandle(BlockingStream.class, "sender", Thread.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // ---- what the server and client bindings supply; called with callLock held ----

  /** Asks the transport for {@code count} more messages. */
  abstract void requestFromTransport(int count);

  /** Whether the transport can take a message now without buffering beyond its limit. */
  abstract boolean transportReady();

  /** Hands one message to the transport. Called only when {@link #transportReady} was true. */
  abstract void writeToTransport(OutT message);

  /** Throws if this side may no longer send, for example after closeSend or close. */
  abstract void checkCanSend();

  // ---- transport events; called from grpc callbacks, never block ----

  final void messageArrived(InT message) {
    lock.lock();
    try {
      inFlight--;
      if (failure == null && !closed) {
        enqueue(message);
      }
      readable.signal();
    } finally {
      lock.unlock();
    }
  }

  final void inputEnded() {
    lock.lock();
    try {
      inputEnded = true;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  final void readyChanged() {
    lock.lock();
    try {
      readyEvents++;
      writable.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Records that the call is over, wakes every waiter, and returns whether this was the first end.
   * An OK status (a client call that completed) also ends the input, so that {@code recv} returns
   * null rather than throwing. With {@code discardInbox}, buffered messages are dropped at once
   * (a cancelled call: nobody wants them); otherwise {@code recv} still returns them before it
   * throws (the client side: a server's messages come before its status, as in grpc-go).
   */
  final boolean fail(StatusException cause, boolean discardInbox) {
    lock.lock();
    try {
      if (failure != null) {
        return false;
      }
      failure = cause;
      if (cause.getStatus().isOk()) {
        inputEnded = true;
      }
      if (discardInbox) {
        clearInbox();
      }
      readable.signalAll();
      writable.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Marks the call closed by this side and wakes every waiter, so that a thread the application
   * left inside recv or send gets an IllegalStateException instead of waiting forever. Returns
   * whether this was the first close.
   */
  final boolean markClosed() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      clearInbox();
      readable.signalAll();
      writable.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The failure recorded so far, or null. */
  final StatusException failure() {
    lock.lock();
    try {
      return failure;
    } finally {
      lock.unlock();
    }
  }

  /** Whether this side has closed the call. */
  final boolean closedByThisSide() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  // ---- the blocking operations ----

  /**
   * Returns the next message, or null at a clean end of input. Blocks while the inbox is empty.
   * Requests more messages from the transport only as this consumes them.
   */
  final InT awaitMessage() throws InterruptedException, StatusException {
    claim(RECEIVER, "recv");
    try {
      for (;; ) {
        int grant;
        InT message;
        lock.lockInterruptibly();
        try {
          if (closed) {
            throw new IllegalStateException("recv() called after the call was closed");
          }
          if (endReturned) {
            throw new IllegalStateException("recv() called again after it returned end-of-stream");
          }
          message = dequeue();
          if (message == null && inputEnded) {
            endReturned = true;
            return null;
          }
          if (message == null && failure != null) {
            throw failureException();
          }
          grant = creditToGrant();
          if (message == null && grant == 0) {
            items = null; // empty: a parked stream need not keep the ring; the next message makes it
            readable.await();
            continue;
          }
        } finally {
          lock.unlock();
        }
        if (grant > 0) {
          callTransport(() -> requestFromTransport(grant));
        }
        if (message != null) {
          return message;
        }
      }
    } finally {
      RECEIVER.setVolatile(this, null);
    }
  }

  /**
   * Sends one message, blocking while the transport is not ready.
   *
   * @throws StatusException if the call failed before or while waiting
   */
  final void writeWhenReady(OutT message) throws InterruptedException, StatusException {
    if (message == null) {
      throw new NullPointerException("message");
    }
    claim(SENDER, "send");
    try {
      for (;; ) {
        long seen;
        callLock.lockInterruptibly();
        try {
          checkCanSend(); // the caller's misuse first, whatever state the call is in
          seen = readyEventsOrThrow();
          if (transportReady()) {
            writeToTransport(message);
            return;
          }
        } finally {
          callLock.unlock();
        }
        awaitReadySince(seen);
      }
    } finally {
      SENDER.setVolatile(this, null);
    }
  }

  /** Runs one call into grpc under {@code callLock}. */
  final void callTransport(Runnable action) {
    callLock.lock();
    try {
      action.run();
    } finally {
      callLock.unlock();
    }
  }

  /** Requires the lock. How many messages to request now so that at most WINDOW are held. */
  private int creditToGrant() {
    if (inputEnded || failure != null) {
      return 0;
    }
    int outstanding = inFlight + count;
    if (outstanding > WINDOW - REFILL) {
      return 0;
    }
    int grant = WINDOW - outstanding;
    inFlight += grant;
    return grant;
  }

  /**
   * Called with callLock held: lock may be taken inside callLock (here, and in a server call's
   * close), never the reverse.
   */
  private long readyEventsOrThrow() throws InterruptedException, StatusException {
    lock.lockInterruptibly();
    try {
      if (closed) {
        throw new IllegalStateException("send() called after the call was closed");
      }
      if (failure != null) {
        throw failureException();
      }
      return readyEvents;
    } finally {
      lock.unlock();
    }
  }

  private void awaitReadySince(long seen) throws InterruptedException, StatusException {
    lock.lockInterruptibly();
    try {
      while (readyEvents == seen && failure == null && !closed) {
        writable.await();
      }
      if (failure != null) {
        throw failureException();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Requires the lock. A fresh exception per throw, so its stack trace shows the caller. */
  private StatusException failureException() {
    return new StatusException(failure.getStatus(), failure.getTrailers());
  }

  /** Requires the lock. Adds a message to the inbox; the window guarantees there is room. */
  private void enqueue(InT message) {
    if (items == null) {
      items = new Object[WINDOW];
    }
    if (count == WINDOW) {
      throw new IllegalStateException("the transport delivered a message that was not requested");
    }
    items[(takeIndex + count) % WINDOW] = message;
    count++;
  }

  /** Requires the lock. Takes the oldest message from the inbox, or returns null if it is empty. */
  @SuppressWarnings("unchecked")
  private InT dequeue() {
    if (count == 0) {
      return null;
    }
    InT message = (InT) items[takeIndex];
    items[takeIndex] = null;
    takeIndex = (takeIndex + 1) % WINDOW;
    count--;
    return message;
  }

  /** Requires the lock. Drops every buffered message, and the inbox with them. */
  private void clearInbox() {
    items = null;
    takeIndex = 0;
    count = 0;
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
