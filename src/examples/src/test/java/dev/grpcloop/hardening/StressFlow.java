package dev.grpcloop.hardening;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The flow of one stress call between its two sides, seen from outside the adapter by a server and
 * a client interceptor ({@link #serverProbe}, {@link #clientProbe}): how often each side's send
 * found the transport not ready, and the pauses of a {@link StressPlan} that make it so.
 *
 * <p>The adapter calls {@code isReady()} only in send, and when it is false the send waits for an
 * {@code onReady} or a change of the call's state; so each false {@code isReady()} counted here is
 * a send that had to wait for readiness. An {@code onReady} that the adapter has seen while that
 * {@code isReady()} has not yet returned to it came in the window between the adapter's check and
 * its wait: the one its {@code readyEvents} count exists for. The probe widens that window by
 * yielding in it; with {@link StressPlan#resumeInWindow} it holds the sender there until the
 * {@code onReady} has come, when the peer was paused waiting for exactly this send to be stuck.
 *
 * <p>Nothing here sleeps: a pause waits for an event of the call's (a false {@code isReady()}, the
 * peer sending no more, the call's end), a hold waits for the {@code onReady} its resumed peer
 * causes, each bounded; one that runs out is recorded as a problem of the call.
 */
final class StressFlow {

  /** The side of a call. */
  enum Role {
    SERVER,
    CLIENT;

    Role peer() {
      return this == SERVER ? CLIENT : SERVER;
    }
  }

  /** The longest a pause or a hold waits for the event that ends it. */
  static final Duration LIMIT = Duration.ofSeconds(5);

  private final boolean resumeInWindow;

  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled on every event below. */
  private final Condition changed = lock.newCondition();

  // Each array is indexed by Role.ordinal(); all fields are guarded by lock.

  /** isReady() was false for this side's send. */
  private final int[] notReady = new int[2];

  /** onReady events delivered to this side. */
  private final int[] onReady = new int[2];

  /**
   * onReady events that the adapter had seen while this side's false isReady() had not returned to
   * it: each came between the adapter's check and its wait.
   */
  private final int[] inWindow = new int[2];

  /** Sends of this side held in the window until the onReady came. */
  private final int[] held = new int[2];

  /** This side's last isReady() was false and no onReady came since: its send waits. */
  private final boolean[] waiting = new boolean[2];

  /** This side's send is between a false isReady() and its return to the adapter. */
  private final boolean[] checking = new boolean[2];

  /** This side's receiver is paused until the peer's send is stuck. */
  private final boolean[] paused = new boolean[2];

  /** Pauses of this side's receiver. */
  private final int[] pauses = new int[2];

  /** This side will send no more. */
  private final boolean[] sendingDone = new boolean[2];

  /** The call ended: either side heard so. */
  private boolean over;

  private final List<String> problems = new ArrayList<>();

  StressFlow(boolean resumeInWindow) {
    this.resumeInWindow = resumeInWindow;
  }

  // ---- what the test's two sides do ----

  /**
   * Pauses {@code receiver}'s receiving until the peer's send finds the transport not ready (it
   * waits now, for this receiver to take a message), or the peer sends no more, or the call ends.
   * A peer whose send already waits ends the pause at once.
   */
  void pause(Role receiver) throws InterruptedException {
    int peer = receiver.peer().ordinal();
    lock.lockInterruptibly();
    try {
      int before = notReady[peer];
      paused[receiver.ordinal()] = true;
      pauses[receiver.ordinal()]++;
      try {
        long nanos = LIMIT.toNanos();
        while (notReady[peer] == before && !waiting[peer] && !sendingDone[peer] && !over) {
          if (nanos <= 0) {
            problems.add(receiver + "'s pause did not end within " + LIMIT);
            return;
          }
          nanos = changed.awaitNanos(nanos);
        }
      } finally {
        paused[receiver.ordinal()] = false;
      }
    } finally {
      lock.unlock();
    }
  }

  /** {@code sender} will send no more: a pause of its peer need not wait for it. */
  void sendingDone(Role sender) {
    lock.lock();
    try {
      sendingDone[sender.ordinal()] = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---- what the probes see ----

  private void over() {
    lock.lock();
    try {
      over = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * An onReady is about to reach the adapter: {@code sender}'s wait ends, so a pause must not end
   * on it now. Cleared before the adapter sees the event, not after: the sender it wakes may check
   * again, find the transport still not ready (an onReady that grpc queued before the sender's
   * last send took the credit) and wait once more, which must then count as waiting.
   */
  private void readyComing(Role sender) {
    lock.lock();
    try {
      waiting[sender.ordinal()] = false;
    } finally {
      lock.unlock();
    }
  }

  /** The adapter has seen an onReady of {@code sender}'s: a hold on it ends. */
  private void readyEvent(Role sender) {
    int side = sender.ordinal();
    lock.lock();
    try {
      onReady[side]++;
      if (checking[side]) {
        inWindow[side]++;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** onReady events the adapter has seen of {@code sender}'s so far. */
  private int readyEvents(Role sender) {
    return read(onReady, sender);
  }

  /**
   * isReady() was false for {@code sender}, which is about to wait: wakes a paused peer, and keeps
   * the sender in the window between check and wait until the peer's onReady has come (a hold), or
   * for a yield. {@code readyBefore} is {@link #readyEvents} taken before grpc's isReady() was
   * asked: an onReady that came since (while grpc answered, or before this lock was taken) ends the
   * hold at once, as it ends the adapter's own wait; counted from here instead, the hold would wait
   * for a second onReady that a ready transport never sends.
   */
  private void foundNotReady(Role sender, int readyBefore) {
    int side = sender.ordinal();
    boolean hold = false;
    lock.lock();
    try {
      notReady[side]++;
      waiting[side] = true;
      checking[side] = true;
      changed.signalAll();
      hold = resumeInWindow && paused[sender.peer().ordinal()];
      if (hold) {
        held[side]++;
        long nanos = LIMIT.toNanos();
        while (onReady[side] == readyBefore && !over) {
          if (nanos <= 0) {
            problems.add(sender + "'s send was held " + LIMIT + " for an onReady that never came");
            break;
          }
          nanos = changed.awaitNanos(nanos);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the adapter's wait then throws it
    } finally {
      lock.unlock();
    }
    if (!hold && ThreadLocalRandom.current().nextBoolean()) {
      Thread.yield();
    }
    lock.lock();
    try {
      checking[side] = false;
    } finally {
      lock.unlock();
    }
  }

  /** isReady() was true for {@code sender}: it does not wait. */
  private void foundReady(Role sender) {
    lock.lock();
    try {
      waiting[sender.ordinal()] = false;
    } finally {
      lock.unlock();
    }
  }

  // ---- what the test reads at the end ----

  /** What went wrong in a pause or a hold, or an empty list. */
  List<String> problems() {
    lock.lock();
    try {
      return List.copyOf(problems);
    } finally {
      lock.unlock();
    }
  }

  /** Sends of {@code sender} that found the transport not ready, and so waited for readiness. */
  int waits(Role sender) {
    return read(notReady, sender);
  }

  /** onReady events that reached {@code sender} in the window between its check and its wait. */
  int inWindow(Role sender) {
    return read(inWindow, sender);
  }

  /** Sends of {@code sender} held in that window until the onReady came. */
  int held(Role sender) {
    return read(held, sender);
  }

  /** How often {@code receiver} paused. */
  int pauses(Role receiver) {
    return read(pauses, receiver);
  }

  private int read(int[] counts, Role role) {
    lock.lock();
    try {
      return counts[role.ordinal()];
    } finally {
      lock.unlock();
    }
  }

  // ---- the probes ----

  /**
   * A server interceptor that reports each call's isReady() and onReady to the call's flow, found
   * by its {@link CallRecorder#CALL_ID} in {@code flows}; calls without one pass untouched.
   */
  static ServerInterceptor serverProbe(Function<String, StressFlow> flows) {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
          Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String id = headers.get(CallRecorder.CALL_ID);
        StressFlow flow = id == null ? null : flows.apply(id);
        if (flow == null) {
          return next.startCall(call, headers);
        }
        ServerCall.Listener<ReqT> listener =
            next.startCall(new SimpleForwardingServerCall<>(call) {
              @Override
              public boolean isReady() {
                int readyBefore = flow.readyEvents(Role.SERVER);
                boolean ready = super.isReady();
                if (ready) {
                  flow.foundReady(Role.SERVER);
                } else {
                  flow.foundNotReady(Role.SERVER, readyBefore);
                }
                return ready;
              }
            }, headers);
        return new SimpleForwardingServerCallListener<>(listener) {
          @Override
          public void onReady() {
            flow.readyComing(Role.SERVER);
            super.onReady(); // counted once the adapter has seen it: a hold ends after that
            flow.readyEvent(Role.SERVER);
          }

          @Override
          public void onCancel() {
            flow.over();
            super.onCancel();
          }

          @Override
          public void onComplete() {
            flow.over();
            super.onComplete();
          }
        };
      }
    };
  }

  /** The client's probe, likewise, for calls whose headers carry a {@link CallRecorder#CALL_ID}. */
  static ClientInterceptor clientProbe(Function<String, StressFlow> flows) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          private volatile StressFlow flow;

          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            String id = headers.get(CallRecorder.CALL_ID);
            StressFlow found = id == null ? null : flows.apply(id);
            flow = found;
            if (found == null) {
              super.start(listener, headers);
              return;
            }
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onReady() {
                found.readyComing(Role.CLIENT);
                super.onReady();
                found.readyEvent(Role.CLIENT);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                found.over();
                super.onClose(status, trailers);
              }
            }, headers);
          }

          @Override
          public boolean isReady() {
            StressFlow found = flow;
            int readyBefore = found == null ? 0 : found.readyEvents(Role.CLIENT);
            boolean ready = super.isReady();
            if (found != null && ready) {
              found.foundReady(Role.CLIENT);
            } else if (found != null) {
              found.foundNotReady(Role.CLIENT, readyBefore);
            }
            return ready;
          }
        };
      }
    };
  }
}
