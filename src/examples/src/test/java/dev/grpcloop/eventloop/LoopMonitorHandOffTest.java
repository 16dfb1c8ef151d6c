package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * The naive form's deadlock, played in a fixed order ({@link MonitorHandOff}), cannot happen in
 * this mode: the interceptor that blocks on the loop runs in the loop's I/O virtual thread, which
 * unmounts, and the carrier runs the handler the JDK wakes first. {@link NaiveLoopDeadlockDemo}
 * plays the same steps against the naive form, which deadlocks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopMonitorHandOffTest {

  @RepeatedTest(3)
  void aMonitorHandedToAHandlerWhileTheLoopWaitsForItDeadlocksNothing() throws Exception {
    MonitorHandOff handOff = new MonitorHandOff();
    try (LoopServer server = LoopServer.start(1, handOff::handle, handOff.recorder)) {
      assertThat(handOff.play(server.connect(), 30)).as("both calls answered").isTrue();
      assertThat(handOff.loopThread.isVirtual()).as("the loop's code runs in a virtual thread")
          .isTrue();
      assertThat(server.loops.carriersReplaced()).isZero();
    }
  }
}
