package dev.grpcloop.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CallbackExecutor} on its own: a callback runs at once when no thread is parked in the
 * call, waits for one that is, and is never left queued once every thread has left, whatever the
 * interleaving of submitters and of threads parking, waking and leaving.
 */
@Timeout(60)
class CallbackExecutorTest {

  private final ReentrantLock lock = new ReentrantLock();
  /** The threads inside {@link #awaitOrRun}, as a call keeps its waiters. Under lock. */
  private final List<Thread> waiters = new ArrayList<>();
  private final AtomicInteger wakes = new AtomicInteger();
  private final CallbackExecutor executor = new CallbackExecutor(lock, this::wakeWaiters);

  /** What the call does to wake its waiters: unpark them, under the lock. */
  private void wakeWaiters() {
    lock.lock();
    try {
      wakes.incrementAndGet();
      waiters.forEach(LockSupport::unpark);
    } finally {
      lock.unlock();
    }
  }

  /** Requires lock. One wait of a call's thread, known to {@link #wakeWaiters} meanwhile. */
  private long awaitOrRun(CallbackExecutor executor, long nanos)
      throws InterruptedException, TimeoutException {
    Thread current = Thread.currentThread();
    waiters.add(current);
    try {
      return executor.awaitOrRun(this, nanos, "recv");
    } finally {
      waiters.remove(current);
    }
  }

  @Test
  void runsAtOnceOnTheSubmittingThreadWhenNoThreadIsParked() {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    executor.execute(() -> ranOn.set(Thread.currentThread()));
    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
    assertThat(executor.hasQueued()).isFalse();
    assertThat(wakes.get()).isZero();
  }

  @Test
  void waitsForTheParkedThreadWhichRunsItAsItLeavesAtTheLatest() throws Exception {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    CountDownLatch submitted = new CountDownLatch(1);
    Thread inside = Thread.ofVirtual().start(() -> {
      lock.lock();
      try {
        while (ranOn.get() == null && !executor.hasQueued()) {
          awaitOrRun(executor, Timeouts.NONE); // parks until woken
        }
      } catch (InterruptedException | TimeoutException e) {
        throw new AssertionError(e);
      } finally {
        lock.unlock();
      }
      try {
        submitted.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      executor.runQueued(); // as the operation ends
    });
    CallWaits.awaitParked(inside); // it counted itself parked first
    executor.execute(() -> ranOn.set(Thread.currentThread()));
    assertThat(ranOn.get()).as("queued for the parked thread").isNull();
    assertThat(executor.hasQueued()).isTrue();
    assertThat(wakes.get()).as("the parked thread was woken").isEqualTo(1);
    submitted.countDown();
    inside.join();
    assertThat(ranOn.get()).isSameAs(inside);
    assertThat(executor.hasQueued()).isFalse();
  }

  /**
   * execute's narrowest window: it saw a thread parked, and before it queued the callback that
   * thread woke for another reason (a cancel, a timeout), lowered the count and made its last look
   * at the queue, finding nothing. execute looks at the count again after queueing, and runs the
   * callback itself. The window is a few instructions wide: the test opens it by acting from
   * inside the queue's offer, which it puts in place of the executor's own queue.
   */
  @Test
  void aCallbackQueuedAfterTheLastParkedThreadLeftRunsOnTheSubmittingThread() throws Exception {
    CallbackExecutor executor = new CallbackExecutor(lock, this::wakeWaiters);
    Thread inside = Thread.ofVirtual().name("inside").start(() -> {
      lock.lock();
      try {
        awaitOrRun(executor, Timeouts.NONE); // parks until woken
      } catch (InterruptedException | TimeoutException e) {
        throw new AssertionError(e);
      } finally {
        lock.unlock();
      }
      executor.runQueued(); // as the operation ends: its last look at the queue
    });
    CallWaits.awaitParked(inside); // it counted itself parked first
    replaceQueue(executor, new OfferHook(() -> {
      lock.lock();
      try {
        LockSupport.unpark(inside); // a change of state that did not come through the executor
      } finally {
        lock.unlock();
      }
      try {
        inside.join();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }));

    AtomicReference<Thread> ranOn = new AtomicReference<>();
    executor.execute(() -> ranOn.set(Thread.currentThread()));
    assertThat(inside.isAlive()).as("the parked thread left before the callback was queued")
        .isFalse();
    assertThat(ranOn.get()).as("the thread that ran the callback")
        .isSameAs(Thread.currentThread());
    assertThat(executor.hasQueued()).as("a callback left queued with no thread inside").isFalse();
  }

  /** A queue that runs {@code beforeFirstOffer} as the first element is offered, then queues. */
  private static final class OfferHook extends ConcurrentLinkedQueue<Runnable> {
    private static final long serialVersionUID = 1L;
    private transient Runnable beforeFirstOffer;

    OfferHook(Runnable beforeFirstOffer) {
      this.beforeFirstOffer = beforeFirstOffer;
    }

    @Override
    public boolean offer(Runnable task) {
      Runnable hook = beforeFirstOffer;
      beforeFirstOffer = null;
      if (hook != null) {
        hook.run();
      }
      return super.offer(task);
    }
  }

  /** Puts {@code queue} in place of the executor's queue of callbacks (a private field). */
  private static void replaceQueue(CallbackExecutor executor, ConcurrentLinkedQueue<Runnable> queue)
      throws ReflectiveOperationException {
    Field queued = CallbackExecutor.class.getDeclaredField("queued");
    queued.setAccessible(true);
    queued.set(executor, queue);
  }

  /**
   * Threads wait (running what is queued instead, or parking briefly; sometimes running what is
   * left as an operation that ends does) while others submit: every callback runs exactly once,
   * and none is left queued in the end.
   */
  @Test
  void noCallbackIsLostOrRunTwiceWhileThreadsComeAndGo() throws Exception {
    int submitters = 2;
    int perSubmitter = 50_000;
    int insiders = 3;
    AtomicInteger ran = new AtomicInteger();
    AtomicInteger[] runs = new AtomicInteger[submitters * perSubmitter];
    for (int i = 0; i < runs.length; i++) {
      runs[i] = new AtomicInteger();
    }
    CountDownLatch submitting = new CountDownLatch(submitters);
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < submitters; s++) {
      int base = s * perSubmitter;
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < perSubmitter; i++) {
          AtomicInteger mine = runs[base + i];
          executor.execute(() -> {
            mine.incrementAndGet();
            ran.incrementAndGet();
          });
        }
        submitting.countDown();
      }));
    }
    for (int t = 0; t < insiders; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (submitting.getCount() > 0) {
          lock.lock();
          try {
            awaitOrRun(executor, 1 + random.nextInt(20_000));
          } catch (TimeoutException e) {
            // waits again, as a timed wait does until its operation gives up
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          } finally {
            lock.unlock();
          }
          if (random.nextBoolean()) {
            executor.runQueued(); // its operation ends (else it waits again)
          }
        }
        executor.runQueued(); // the last operation ends
      }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(executor.hasQueued()).as("a callback left queued with no thread inside").isFalse();
    assertThat(ran.get()).isEqualTo(runs.length);
    for (AtomicInteger count : runs) {
      assertThat(count.get()).isEqualTo(1);
    }
  }
}
