package dev.grpcloop.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.hardening.StressPlan.ClientMode;
import dev.grpcloop.hardening.StressPlan.ServerMode;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The adapter's own concurrency, under a randomized stress: thousands of calls, each drawing what
 * the client does (half-close, cancel while sending, cancel while receiving, a deadline of 0 to 3
 * ms) and what the handler does (echo, return early, throw, send from a second thread while
 * receiving). The in-process transport with directExecutor on both sides runs grpc's callbacks on
 * the threads that cause them (the client's, the handler's, the deadline timer's), which widens the
 * interleavings of recv, send, half-close, cancel, deadline and handler return.
 *
 * <p>For every call: the adapter closed it exactly once, or, if grpc ended it first (onCancel), at
 * most once; the messages each side received are, in order and without duplicates, a prefix of
 * what the other side sent, and all of it when the call ended OK; the status matches the plan. At
 * the end no handler, handler-spawned or client sender thread is alive, and nothing unexpected was
 * logged (an exception in a grpc callback is only logged).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdapterStressTest {
  static final int CALLS = 6_000;
  static final int CONCURRENT = 32;
  static final long SEED = Long.getLong("stress.seed", 20261125L);
  static final Duration WAIT = Duration.ofSeconds(10);

  /** What the planned THROW handlers throw. */
  static final class PlannedFailure extends RuntimeException {
    PlannedFailure() {
      super("planned failure", null, false, false);
    }
  }

  /** What one side of one call saw. */
  static final class Side {
    final Queue<String> sent = new ConcurrentLinkedQueue<>();
    final Queue<String> received = new ConcurrentLinkedQueue<>();
    volatile Status status;
    volatile Thread extraThread;
  }

  private final ConcurrentMap<String, Side> servers = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Side> clients = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, StressPlan> plans = new ConcurrentHashMap<>();
  private final HandlerThreads threads = new HandlerThreads();
  private final CallRecorder recorder = new CallRecorder().withNoise();

  @Test
  void everyCallClosedOnceNothingLostOrDuplicatedNoThreadLeft() throws Exception {
    String name = "stress-" + System.nanoTime();
    Server server = InProcessServerBuilder.forName(name)
        .directExecutor()
        .intercept(recorder)
        .addService(new TestService().bidi("Stress", this::handle).build(threads))
        .build()
        .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    long start = System.nanoTime();
    try (LogCapture logs = new LogCapture("io.grpc", "dev.grpcloop")) {
      ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
      try {
        Semaphore inFlight = new Semaphore(CONCURRENT);
        for (int i = 0; i < CALLS; i++) {
          String id = "c" + i;
          StressPlan plan = StressPlan.random(new Random(SEED + i));
          plans.put(id, plan);
          if (!inFlight.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("calls hung: " + unfinished());
          }
          callers.execute(() -> {
            try {
              call(channel, id, plan);
            } finally {
              inFlight.release();
            }
          });
        }
        callers.shutdown();
        if (!callers.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new AssertionError("calls hung: " + unfinished());
        }
      } finally {
        callers.shutdownNow();
      }
      assertThat(threads.awaitAllEnded(WAIT)).as("handler threads left").isEmpty();
      for (Side side : servers.values()) {
        joinExtra(side, "a handler's second thread");
      }
      for (Side side : clients.values()) {
        joinExtra(side, "a client's sender thread");
      }
      assertThat(logs.unexpected(r -> r.getThrown() instanceof PlannedFailure))
          .as("warnings logged").isEmpty();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    Map<String, Integer> outcomes = new TreeMap<>();
    List<String> violations = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      String id = "c" + i;
      String problem = check(id);
      if (problem != null && violations.size() < 20) {
        violations.add(id + " " + plans.get(id) + ": " + problem);
      }
      outcomes.merge(plans.get(id).client() + "/" + plans.get(id).server() + " -> "
          + clients.get(id).status.getCode(), 1, Integer::sum);
    }
    System.out.printf("stress: %d calls (seed %d) in %d ms: %s%n", CALLS, SEED, millis, outcomes);
    assertThat(violations).as("calls that broke an invariant (seed " + SEED + ")").isEmpty();
    assertThat(recorder.calls()).allSatisfy(c -> assertThat(c.closes).hasValueBetween(0, 1));
  }

  // ---- the server's handler: acts out the plan in the call's header ----

  private void handle(ServerStream<Message, Message> stream) throws Exception {
    String id = stream.requestHeaders().get(CallRecorder.CALL_ID);
    StressPlan plan = StressPlan.decode(stream.requestHeaders().get(StressPlan.HEADER));
    Side side = new Side();
    servers.put(id, side);
    if (plan.server() == ServerMode.SPLIT) {
      split(stream, plan, side);
      return;
    }
    for (int echoed = 0; ; echoed++) {
      if (plan.server() != ServerMode.ECHO && echoed == plan.serverAt()) {
        if (plan.server() == ServerMode.THROW) {
          throw new PlannedFailure();
        }
        return;
      }
      Message msg = stream.recv();
      if (msg == null) {
        return;
      }
      side.received.add(msg.getText());
      send(stream, side, "echo:" + msg.getText());
    }
  }

  /** A second thread sends while this one receives; returns when both are done. */
  private static void split(ServerStream<Message, Message> stream, StressPlan plan, Side side)
      throws Exception {
    Thread sender = Thread.ofVirtual().unstarted(() -> {
      try {
        for (int i = 0; i < plan.serverAt(); i++) {
          send(stream, side, "split:" + i);
        }
      } catch (StatusException e) {
        // The call ended under it: the receiving side sees the same and ends the handler.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    side.extraThread = sender;
    sender.start();
    try {
      for (Message msg; (msg = stream.recv()) != null; ) {
        side.received.add(msg.getText());
      }
    } finally {
      sender.join();
    }
  }

  private static void send(ServerStream<Message, Message> stream, Side side, String text)
      throws InterruptedException, StatusException {
    side.sent.add(text);
    stream.send(TestService.text(text));
  }

  // ---- the client: one call acting out its plan ----

  private void call(ManagedChannel channel, String id, StressPlan plan) {
    Side side = new Side();
    clients.put(id, side);
    Metadata headers = new Metadata();
    headers.put(CallRecorder.CALL_ID, id);
    headers.put(StressPlan.HEADER, plan.encode());
    CallOptions options = plan.client() == ClientMode.DEADLINE
        ? CallOptions.DEFAULT.withDeadlineAfter(plan.deadlineMicros(), TimeUnit.MICROSECONDS)
        : CallOptions.DEFAULT;
    CountDownLatch over = new CountDownLatch(1);
    try (ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
        channel, TestService.method("Stress"), options, headers)) {
      side.extraThread = stream.startSender(() -> {
        for (int i = 0; i < plan.messages(); i++) {
          if (plan.client() == ClientMode.CANCEL_WHILE_SENDING && i == plan.clientAt()) {
            stream.cancel("stress: cancel while sending", null);
            return;
          }
          String text = id + "-" + i;
          side.sent.add(text);
          if (!stream.send(TestService.text(text))) {
            return;
          }
        }
        if (plan.client() == ClientMode.CANCEL_WHILE_SENDING) {
          stream.cancel("stress: cancel after sending", null);
        }
        if (plan.client() == ClientMode.DEADLINE) {
          over.await(); // never half-close
        }
      });
      if (plan.client() == ClientMode.CANCEL_WHILE_RECEIVING && plan.clientAt() == 0) {
        stream.cancel("stress: cancel before receiving", null);
      }
      try {
        for (Message msg; (msg = stream.recv()) != null; ) {
          side.received.add(msg.getText());
          if (plan.client() == ClientMode.CANCEL_WHILE_RECEIVING
              && side.received.size() == plan.clientAt()) {
            stream.cancel("stress: cancel while receiving", null);
          }
        }
        side.status = Status.OK;
      } catch (StatusException e) {
        side.status = e.getStatus();
      }
    } catch (InterruptedException e) {
      side.status = Status.INTERNAL.withDescription("client interrupted");
      Thread.currentThread().interrupt();
    } finally {
      over.countDown();
    }
  }

  private static void joinExtra(Side side, String what) throws InterruptedException {
    Thread thread = side.extraThread;
    if (thread != null) {
      thread.join(WAIT);
      assertThat(thread.isAlive()).as(what + " still alive").isFalse();
    }
  }

  // ---- the invariants ----

  /** The calls started that have not ended, with their plans (the first few). */
  private List<String> unfinished() {
    return clients.entrySet().stream()
        .filter(e -> e.getValue().status == null)
        .limit(10)
        .map(e -> e.getKey() + " " + plans.get(e.getKey()))
        .toList();
  }

  /** Returns what is wrong with call {@code id}, or null. */
  private String check(String id) {
    StressPlan plan = plans.get(id);
    Side client = clients.get(id);
    Side server = servers.get(id); // null if the call ended before its handler started
    RecordedCall call = recorder.calls().stream()
        .filter(c -> id.equals(c.id)).findFirst().orElse(null);
    List<String> serverSent = server == null ? List.of() : List.copyOf(server.sent);
    List<String> serverReceived = server == null ? List.of() : List.copyOf(server.received);
    List<String> clientSent = List.copyOf(client.sent);
    List<String> clientReceived = List.copyOf(client.received);

    if (!isPrefix(clientReceived, serverSent)) {
      return "client received " + clientReceived + ", not a prefix of server sent " + serverSent;
    }
    if (!isPrefix(serverReceived, clientSent)) {
      return "server received " + serverReceived + ", not a prefix of client sent " + clientSent;
    }
    if (call != null) {
      if (call.closes.get() > 1) {
        return "closed " + call.closes + " times";
      }
      if (call.closes.get() == 0 && !call.wasCancelled()) {
        return "never closed, and grpc did not end it either";
      }
    }
    Status.Code code = client.status.getCode();
    switch (code) {
      case OK -> {
        if (plan.server() == ServerMode.THROW && plan.serverAt() <= plan.messages()
            && plan.client() == ClientMode.HALF_CLOSE) {
          return "OK, but the handler threw";
        }
        if (!clientReceived.equals(serverSent)) {
          return "OK, but received " + clientReceived + " of " + serverSent;
        }
        if (call == null || call.closes.get() != 1 || !call.status.isOk()) {
          return "OK at the client, but the server call is " + call;
        }
        if (plan.server() == ServerMode.ECHO && plan.client() == ClientMode.HALF_CLOSE
            && !serverReceived.equals(clientSent)) {
          return "OK echo, but the server received " + serverReceived + " of " + clientSent;
        }
      }
      case UNKNOWN -> {
        if (plan.server() != ServerMode.THROW) {
          return "UNKNOWN, but the handler did not throw";
        }
        if (call == null || call.closes.get() != 1) {
          return "UNKNOWN at the client, but the server call is " + call;
        }
      }
      case CANCELLED -> {
        if (plan.client() != ClientMode.CANCEL_WHILE_SENDING
            && plan.client() != ClientMode.CANCEL_WHILE_RECEIVING) {
          return "CANCELLED, but the client did not cancel";
        }
      }
      case DEADLINE_EXCEEDED -> {
        if (plan.client() != ClientMode.DEADLINE) {
          return "DEADLINE_EXCEEDED without a deadline";
        }
      }
      default -> {
        return "unexpected status " + client.status;
      }
    }
    return null;
  }

  private static boolean isPrefix(List<String> prefix, List<String> of) {
    return prefix.size() <= of.size() && of.subList(0, prefix.size()).equals(prefix);
  }
}
