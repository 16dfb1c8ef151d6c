package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: a helper thread ({@link ServerCallScope#fork}) that does not stop when interrupted,
 * because it swallows the interrupt or waits where interrupts do not reach, cannot keep its call
 * open. When the handler finishes, the helper is interrupted and waited for a short bounded time;
 * then the call closes with the handler's outcome, a WARNING names the helper, and the helper runs
 * on until it ends by itself. The same holds when the call was cancelled or its deadline passed:
 * the handler's thread ends, it does not wait for the helper forever.
 */
@Timeout(120)
class ServerHelperThatWillNotStopTest {

  /** Far below the calls' deadlines here, and well above the adapter's wait for its helpers. */
  private static final Duration PROMPTLY = Duration.ofSeconds(10);

  /** The client's deadline where the test sets one: far beyond {@link #PROMPTLY}. */
  private static final long DEADLINE_SECONDS = 60;

  /** A call without a deadline, whose handler returns OK while its helper swallows interrupts. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aHelperThatSwallowsTheInterruptDoesNotKeepTheCallOpen(Transport transport)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    Stubborn helper = new Stubborn();
    ServerServiceDefinition service = service(BlockingServerCalls.bidiStreaming(BIDI, stream -> {
      helper.start(stream);
      // returns: the helper is interrupted, swallows it, and must not keep the call open
    }, threads.options()));
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service)) {
      try {
        RawCall call = RawCall.start(server.channel(), BIDI); // no deadline: it could wait forever
        call.request(1);

        assertThat(call.awaitStatus(PROMPTLY).getCode()).isEqualTo(Status.Code.OK);
        assertThat(helper.interruptIgnored.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
            .as("the helper was interrupted").isTrue();
        assertThat(await(helper.thread).isAlive()).as("the helper runs on").isTrue();
        threads.assertAllEnded();
        assertWarnedOnceOf(log, await(helper.thread));
      } finally {
        helper.release.countDown();
      }
      helper.assertEnds();
    }
  }

  /** A unary handler fails while its helper waits for a lock, which interrupts do not reach. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void theHandlersFailureReachesTheClientThoughItsHelperWaitsForALock(Transport transport)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    ReentrantLock held = new ReentrantLock();
    CompletableFuture<Thread> helperOf = new CompletableFuture<>();
    ServerServiceDefinition service = service(BlockingServerCalls.unary(UNARY, (request, call) -> {
      Thread helper = call.fork(() -> {
        held.lock(); // not interruptible: waits until the test unlocks it
        held.unlock();
      });
      helperOf.complete(helper);
      awaitUntil("the helper waits for the lock", () -> held.hasQueuedThread(helper));
      throw Status.ABORTED.withDescription("the handler failed").asException();
    }, threads.options()));
    held.lock();
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service)) {
      try {
        RawCall call = RawCall.start(server.channel(), UNARY,
            CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS),
            new Metadata());
        call.send(msg("hi"));
        call.halfClose();
        call.request(2);

        Status status = call.awaitStatus(PROMPTLY);
        assertThat(status.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(status.getDescription()).isEqualTo("the handler failed");
        assertThat(await(helperOf).isAlive()).as("the helper still waits").isTrue();
        threads.assertAllEnded();
        assertWarnedOnceOf(log, await(helperOf));
      } finally {
        held.unlock();
      }
      Thread helper = await(helperOf);
      helper.join(PATIENCE);
      assertThat(helper.isAlive()).as("the helper ended once it had the lock").isFalse();
    }
  }

  /** The client cancels while the handler waits in recv and its helper swallows interrupts. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCancelledCallsHandlerEndsThoughItsHelperWillNotStop(Transport transport)
      throws Exception {
    assertHandlerEndsAfterTheCallEnded(transport, false);
  }

  /** The same when the call's deadline passes. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aTimedOutCallsHandlerEndsThoughItsHelperWillNotStop(Transport transport)
      throws Exception {
    assertHandlerEndsAfterTheCallEnded(transport, true);
  }

  /**
   * The handler waits in recv, its helper swallows interrupts; the client cancels, or the call's
   * deadline passes. The handler's recv throws, and its thread ends though the helper runs on.
   */
  private static void assertHandlerEndsAfterTheCallEnded(Transport transport, boolean byDeadline)
      throws Exception {
    HandlerThreads threads = new HandlerThreads();
    Stubborn helper = new Stubborn();
    ServerServiceDefinition service = service(BlockingServerCalls.bidiStreaming(BIDI, stream -> {
      helper.start(stream);
      stream.recv(); // the client sends nothing: only the end of the call ends this
    }, threads.options()));
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service)) {
      try {
        CallOptions options = byDeadline
            ? CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS) : CallOptions.DEFAULT;
        RawCall call = RawCall.start(server.channel(), BIDI, options, new Metadata());
        call.request(1);
        Thread handler = threads.awaitOnly();
        if (!byDeadline) {
          awaitWaitingIn(handler, "recv");
          call.cancel("the test cancels");
        }
        assertThat(call.awaitStatus(PATIENCE).getCode()).isEqualTo(
            byDeadline ? Status.Code.DEADLINE_EXCEEDED : Status.Code.CANCELLED);

        handler.join(PROMPTLY);
        assertThat(handler.isAlive()).as("the handler's thread is still alive").isFalse();
        assertThat(await(helper.thread).isAlive()).as("the helper runs on").isTrue();
        assertWarnedOnceOf(log, await(helper.thread));
      } finally {
        helper.release.countDown();
      }
      helper.assertEnds();
    }
  }

  /** The one record logged is the adapter's WARNING that {@code helper} ignored the interrupt. */
  private static void assertWarnedOnceOf(CapturedLog log, Thread helper) {
    awaitUntil("a record is logged", () -> !log.records().isEmpty());
    assertThat(log.records()).as(log::describe).hasSize(1);
    LogRecord warning = log.records().get(0);
    assertThat(warning.getLevel()).isEqualTo(Level.WARNING);
    assertThat(warning.getMessage()).contains(helper.getName()).contains("ignored the interrupt");
  }

  /** A helper that swallows interrupts: it ends only once the test releases it. */
  private static final class Stubborn {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch interruptIgnored = new CountDownLatch(1);
    final CompletableFuture<Thread> thread = new CompletableFuture<>();

    /** Forks the helper and waits until it runs. */
    void start(ServerCallScope call) throws InterruptedException {
      CountDownLatch running = new CountDownLatch(1);
      thread.complete(call.fork(() -> {
        running.countDown();
        for (;;) {
          try {
            release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS); // bounded, as tests are
            return;
          } catch (InterruptedException e) {
            interruptIgnored.countDown(); // what is under test: the interrupt is swallowed
          }
        }
      }));
      running.await();
    }

    /** Asserts that the helper, once released, ends. */
    void assertEnds() throws Exception {
      Thread helper = await(thread);
      helper.join(PATIENCE);
      assertThat(helper.isAlive()).as("the released helper ended").isFalse();
    }
  }
}
