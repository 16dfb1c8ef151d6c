package dev.grpcloop.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CallbackExecutor} on its own: a callback runs at once when no thread is parked in the
 * call, waits for one that is, and is never left queued once every thread has left, whatever the
 * interleaving of submitters and of threads parking, waking and leaving.
 */
@Timeout(60)
class CallbackExecutorTest {

  private final AtomicInteger wakes = new AtomicInteger();
  private final CallbackExecutor executor = new CallbackExecutor(wakes::incrementAndGet);

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
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch submitted = new CountDownLatch(1);
    Thread inside = Thread.ofVirtual().start(() -> {
      executor.parking();
      entered.countDown();
      try {
        submitted.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      executor.unparked();
      executor.runQueued(); // as the operation ends
    });
    entered.await();
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
   * Threads park and wake (each sometimes running what is queued when it wakes, as a wait that
   * looks again does, and always as it leaves) while others submit: every callback runs exactly
   * once, and none is left queued in the end.
   */
  @Test
  void noCallbackIsLostOrRunTwiceWhileThreadsComeAndGo() throws Exception {
    int submitters = 2;
    int perSubmitter = 200_000;
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
          if (executor.hasQueued()) {
            executor.runQueued(); // a wait that finds callbacks runs them instead of parking
            continue;
          }
          executor.parking();
          for (int spin = random.nextInt(4); spin > 0; spin--) {
            Thread.onSpinWait();
          }
          executor.unparked();
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
