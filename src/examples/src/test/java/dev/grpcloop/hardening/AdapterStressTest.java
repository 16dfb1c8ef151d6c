package dev.grpcloop.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.LogCapture;
import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.hardening.StressFlow.Role;
import dev.grpcloop.hardening.StressPlan.ClientMode;
import dev.grpcloop.hardening.StressPlan.ServerMode;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
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
 * <p>Each call also draws its flow control ({@link StressPlan}): each side's inbound bound (the
 * default, one message, about two), and receivers that pause until the peer's send is stuck, so
 * that sends wait for readiness, many times a call. {@link StressFlow}'s probes count those waits
 * and widen the window between the adapter's isReady() check and its wait, or hold the sender
 * there until the resumed peer's onReady has come: a wait that ignored what came in that window
 * would never end. The test fails if the waits, or the onReady events in that window, become rare.
 *
 * <p>For every call: the adapter closed it exactly once, or, if grpc ended it first (onCancel), at
 * most once; the messages each side received are, in order and without duplicates, a prefix of
 * what the other side sent, and all of it when the call ended OK; the status matches the plan. At
 * the end no handler, handler-spawned or client sender thread is alive, and nothing unexpected was
 * logged (an exception in a grpc callback is only logged).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdapterStressTest {
  static final int CALLS = Integer.getInteger("stress.calls", 6_000);
  static final int CONCURRENT = 32;
  /** Where each call's random plan starts: call i draws from new Random(RANDOM_START + i). */
  static final long RANDOM_START = Long.getLong("stress.random", 20261125L);
  static final Duration WAIT = Duration.ofSeconds(10);

  /** What the planned THROW handlers throw. */
  static final class PlannedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

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
  private final ConcurrentMap<String, StressFlow> flows = new ConcurrentHashMap<>();
  private final HandlerThreads threads = new HandlerThreads();
  private final CallRecorder recorder = new CallRecorder().withNoise();

  @Test
  void everyCallClosedOnceNothingLostOrDuplicatedNoThreadLeft() throws Exception {
    String name = "stress-" + System.nanoTime();
    TestService service = new TestService();
    for (int bound : StressPlan.BOUNDS) {
      if (bound == StressPlan.DEFAULT_BOUND) {
        service.bidi(StressPlan.method(bound), this::handle);
      } else {
        service.bidi(StressPlan.method(bound), bound, this::handle);
      }
    }
    Server server = InProcessServerBuilder.forName(name)
        .directExecutor()
        .intercept(recorder)
        .intercept(StressFlow.serverProbe(flows::get))
        .addService(service.build(threads))
        .build()
        .start();
    ManagedChannel managed = InProcessChannelBuilder.forName(name).directExecutor().build();
    Channel channel = ClientInterceptors.intercept(managed, StressFlow.clientProbe(flows::get));
    long start = System.nanoTime();
    try (LogCapture logs = new LogCapture("io.grpc", "dev.grpcloop")) {
      ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
      try {
        Semaphore inFlight = new Semaphore(CONCURRENT);
        for (int i = 0; i < CALLS; i++) {
          String id = "c" + i;
          StressPlan plan = StressPlan.random(new Random(RANDOM_START + i));
          plans.put(id, plan);
          flows.put(id, new StressFlow(plan.resumeInWindow()));
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
      managed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
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
    System.out.printf("stress: %d calls (random start %d) in %d ms: %s%n", CALLS, RANDOM_START,
        millis, outcomes);
    Readiness readiness = new Readiness(flows.values());
    System.out.println("stress: " + readiness);
    assertThat(violations)
        .as("calls that broke an invariant (random start " + RANDOM_START + ")").isEmpty();
    // What makes this test see a lost wake-up: sends that wait, and onReady events that come
    // between a send's check and its wait. Each bound is under a tenth of what a run reaches.
    assertThat(readiness.waits(Role.SERVER)).as("server sends that waited")
        .isGreaterThan(CALLS / 10);
    assertThat(readiness.waits(Role.CLIENT)).as("client sends that waited").isGreaterThan(CALLS);
    assertThat(readiness.inWindow(Role.SERVER)).as("server: onReady in the window")
        .isGreaterThan(CALLS / 20);
    assertThat(readiness.inWindow(Role.CLIENT)).as("client: onReady in the window")
        .isGreaterThan(CALLS / 20);
    assertThat(recorder.calls()).allSatisfy(c -> assertThat(c.closes).hasValueBetween(0, 1));
  }

  // ---- the server's handler: acts out the plan in the call's header ----

  private void handle(ServerStream<Message, Message> stream) throws Exception {
    String id = stream.requestHeaders().get(CallRecorder.CALL_ID);
    StressPlan plan = StressPlan.decode(stream.requestHeaders().get(StressPlan.HEADER));
    StressFlow flow = flows.get(id);
    Side side = new Side();
    servers.put(id, side);
    try {
      if (plan.server() == ServerMode.SPLIT) {
        split(stream, plan, side, flow);
        return;
      }
      for (int echoed = 0; ; echoed++) {
        if (plan.server() != ServerMode.ECHO && echoed == plan.serverAt()) {
          if (plan.server() == ServerMode.THROW) {
            throw new PlannedFailure();
          }
          return;
        }
        Message msg = recv(stream, plan, flow, echoed);
        if (msg == null) {
          return;
        }
        side.received.add(msg.getText());
        send(stream, side, "echo:" + msg.getText());
      }
    } finally {
      flow.sendingDone(Role.SERVER);
    }
  }

  /** A second thread sends while this one receives; returns when both are done. */
  private static void split(ServerStream<Message, Message> stream, StressPlan plan, Side side,
      StressFlow flow) throws Exception {
    Thread sender = Thread.ofVirtual().unstarted(() -> {
      try {
        for (int i = 0; i < plan.serverAt(); i++) {
          send(stream, side, "split:" + i);
        }
      } catch (StatusException e) {
        // The call ended under it: the receiving side sees the same and ends the handler.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        flow.sendingDone(Role.SERVER);
      }
    });
    side.extraThread = sender;
    sender.start();
    try {
      for (Message msg; (msg = recv(stream, plan, flow, side.received.size())) != null; ) {
        side.received.add(msg.getText());
      }
    } finally {
      sender.join();
    }
  }

  /** The handler's recv of message {@code index} (from 0), after the plan's pause before it. */
  private static Message recv(ServerStream<Message, Message> stream, StressPlan plan,
      StressFlow flow, int index) throws InterruptedException, StatusException {
    if (plan.serverPause() > 0 && (index + 1) % plan.serverPause() == 0) {
      flow.pause(Role.SERVER);
    }
    return stream.recv();
  }

  private static void send(ServerStream<Message, Message> stream, Side side, String text)
      throws InterruptedException, StatusException {
    side.sent.add(text);
    stream.send(TestService.text(text));
  }

  // ---- the client: one call acting out its plan ----

  private void call(Channel channel, String id, StressPlan plan) {
    Side side = new Side();
    clients.put(id, side);
    StressFlow flow = flows.get(id);
    Metadata headers = new Metadata();
    headers.put(CallRecorder.CALL_ID, id);
    headers.put(StressPlan.HEADER, plan.encode());
    CallOptions options = plan.client() == ClientMode.DEADLINE
        ? CallOptions.DEFAULT.withDeadlineAfter(plan.deadlineMicros(), TimeUnit.MICROSECONDS)
        : CallOptions.DEFAULT;
    if (plan.clientBound() != StressPlan.DEFAULT_BOUND) {
      options = options.withOption(BlockingClientCalls.MAX_BUFFERED_BYTES, plan.clientBound());
    }
    CountDownLatch over = new CountDownLatch(1);
    try (ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
        channel, TestService.method(plan.method()), options, headers)) {
      side.extraThread = stream.startSender(() -> {
        try {
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
        } finally {
          flow.sendingDone(Role.CLIENT);
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
          if (plan.clientPause() > 0 && side.received.size() % plan.clientPause() == 0) {
            flow.pause(Role.CLIENT);
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
    List<String> flowProblems = flows.get(id).problems();
    if (!flowProblems.isEmpty()) {
      return "the test's pauses: " + flowProblems;
    }

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

  /** How often the calls' sends waited for readiness, from their flows' counts. */
  static final class Readiness {
    private final int[] waits = new int[2];
    private final int[] callsThatWaited = new int[2];
    private final int[] inWindow = new int[2];
    private final int[] held = new int[2];
    private final int[] pauses = new int[2];

    Readiness(Iterable<StressFlow> flows) {
      for (StressFlow flow : flows) {
        for (Role role : Role.values()) {
          int i = role.ordinal();
          waits[i] += flow.waits(role);
          callsThatWaited[i] += flow.waits(role) > 0 ? 1 : 0;
          inWindow[i] += flow.inWindow(role);
          held[i] += flow.held(role);
          pauses[i] += flow.pauses(role);
        }
      }
    }

    int waits(Role sender) {
      return waits[sender.ordinal()];
    }

    int inWindow(Role sender) {
      return inWindow[sender.ordinal()];
    }

    @Override
    public String toString() {
      StringBuilder text = new StringBuilder("sends that waited for readiness:");
      for (Role role : Role.values()) {
        int i = role.ordinal();
        text.append(String.format(" %s %d times in %d calls, onReady between check and wait %d"
            + " (%d held there);", role, waits[i], callsThatWaited[i], inWindow[i], held[i]));
      }
      return text.append(String.format(" pauses of the handler's receiving %d, of the client's %d",
          pauses[Role.SERVER.ordinal()], pauses[Role.CLIENT.ordinal()])).toString();
    }
  }

  private static boolean isPrefix(List<String> prefix, List<String> of) {
    return prefix.size() <= of.size() && of.subList(0, prefix.size()).equals(prefix);
  }
}
