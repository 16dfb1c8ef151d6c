package dev.grpcloop.eventloop;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/** What the loops of one group share: the JDK hooks, the time slice, the loops, counters. */
final class GroupState {
  final VirtualThreadHooks hooks;
  final long sliceNanos;
  final List<Loop> loops = new CopyOnWriteArrayList<>();

  /** Handlers the watchdog moved off their loop: computing, or stuck on a replaced carrier. */
  final LongAdder handlersMovedOff = new LongAdder();

  /** Carriers replaced by the watchdog because their loop's other work waited a whole slice. */
  final LongAdder carriersReplaced = new LongAdder();

  GroupState(VirtualThreadHooks hooks, long sliceNanos) {
    this.hooks = hooks;
    this.sliceNanos = sliceNanos;
  }

  Executor offLoop() {
    return hooks.defaultScheduler();
  }
}
