package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.CallCore.State;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.internal.SerializingExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every sequence of events a client stream can meet, up to {@link #DEPTH} long, applied to the
 * real stream ({@link BlockingClientCalls#bidiStreaming}) over a fake {@link ClientCall}, against a
 * model of what the call's state should be (the transition table of {@link CallCore}). The fake
 * delivers each event as grpc does, through grpc's serializing executor into the executor the
 * adapter gave the call: a thread waiting in the call runs it, or, with none waiting, the thread
 * that delivers it. After each step (once the waiters have run what was queued for them): recv and
 * send return what the model says; grpc was half-closed only by closeSend, at most once and never
 * after a cancel; cancelled at most once; a waiter in recv or send is parked only while the model
 * says it must wait, and never once the call is over; no callback is left queued; at most one
 * response is asked for ahead, and the call holds no more than its bounds.
 *
 * <p>A thread may wait in recv and another in send at once, while the test's thread closes or
 * cancels: the Go article's client pattern, with a third thread ending the stream. A status that
 * grpc delivers with the trailers the tracer saw arrive is the server's, whatever its code; one
 * with trailers of grpc's own was made on this side (its deadline, a broken transport).
 *
 * <p>Events grpc cannot deliver in a state (a response nobody asked for, a second onClose) are not
 * applied. A sequence goes on for at most {@link #AFTER_CLOSE} events after close. The depth can
 * be lowered for mutation testing with {@code -Dmodel.depth=N}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClientCallModelTest {

  static final int DEPTH = Integer.getInteger("model.depth", 6);

  /** Two test messages fill the byte bound. */
  static final int MAX_BYTES = 8;

  /** Events after close: threads that come after it, and grpc's late callbacks. */
  static final int AFTER_CLOSE = 2;

  /**
   * What happens to the call. CLOSED_x: grpc's onClose with status x (FAILED: UNAVAILABLE), the
   * server's once its trailers arrived after headers (TRAILERS); before them, CLOSED_DEADLINE is
   * this side's deadline (its Context is cancelled first) and CLOSED_CANCELLED a reset by the
   * server. DEADLINE_HERE: this side's deadline passes after the server's trailers arrived, before
   * grpc delivered them; grpc drops them and ends the call with its own DEADLINE_EXCEEDED.
   */
  enum Event {
    HEADERS, MESSAGE, TRAILERS, CLOSED_OK, CLOSED_FAILED, CLOSED_CANCELLED, CLOSED_DEADLINE,
    DEADLINE_HERE, READY, NOT_READY,
    CLOSE_SEND, CANCEL, CLOSE, RECV, SEND, PARK_IN_RECV, PARK_IN_SEND
  }

  private long sequences;

  @Test
  void everySequenceKeepsTheInvariants() throws Exception {
    String only = System.getProperty("model.sequence"); // to replay one: -Dmodel.sequence=A,B,C
    if (only != null) {
      for (int i = 0; i < 1000; i++) {
        Run run = new Run();
        for (String event : only.split(",")) {
          assertThat(run.apply(Event.valueOf(event))).as(event + " applies").isTrue();
        }
        run.finish();
      }
      return;
    }
    explore(new ArrayList<>());
    System.out.println("ClientCallModelTest: " + sequences + " sequences of up to " + DEPTH
        + " events");
    // A floor that only shows the exploration was not cut short; lower depths explore fewer.
    assertThat(sequences).as("sequences explored").isGreaterThan(
        DEPTH >= 6 ? 10_000 : DEPTH >= 4 ? 1_000 : 0);
  }

  /** closeAndRecv: the one response; INTERNAL for none and for more than one. */
  @Test
  void closeAndRecvWantsExactlyOneResponse() throws Exception {
    for (int responses = 0; responses <= 2; responses++) {
      Run run = new Run();
      run.fake.listener.onHeaders(new Metadata());
      for (int i = 0; i < responses; i++) {
        assertThat(run.fake.requested.get()).as("responses asked for").isGreaterThan(i);
        run.fake.listener.onMessage(msg(i));
      }
      run.fake.listener.onClose(Status.OK, new Metadata());
      Object outcome;
      try {
        outcome = run.stream.closeAndRecv();
      } catch (StatusException e) {
        outcome = e.getStatus().getCode();
      }
      assertThat(outcome).as("closeAndRecv after %d responses", responses)
          .isEqualTo(responses == 1 ? msg(0) : Status.Code.INTERNAL);
      run.stream.close();
    }
  }

  /**
   * A status the server sent, whatever its code, comes after the responses before it; so does one
   * the transport made (a reset, a broken connection: no trailers, and this side did not give up).
   * Once this side gave up (its deadline passed: its Context was cancelled), the call fails at once
   * with DEADLINE_EXCEEDED and drops them, whatever grpc reports after.
   */
  @Test
  void everyStatusTheServerSendsComesAfterItsResponses() throws Exception {
    for (Status.Code code : Status.Code.values()) {
      for (String origin : List.of("from the server", "from the transport", "after a deadline")) {
        Run run = new Run();
        for (Event event : List.of(Event.HEADERS, Event.MESSAGE, Event.MESSAGE)) {
          assertThat(run.apply(event)).as(event + " applies").isTrue();
        }
        boolean fromServer = origin.equals("from the server");
        if (fromServer) {
          assertThat(run.apply(Event.TRAILERS)).isTrue();
        } else if (origin.equals("after a deadline")) {
          run.scope.cancel(Run.DEADLINE_PASSED); // grpc ends the call after
        }
        run.fake.listener.onClose(
            Status.fromCode(code), fromServer ? run.serverTrailers : new Metadata());

        List<Object> expected = new ArrayList<>();
        if (origin.equals("after a deadline")) {
          expected.add(Status.Code.DEADLINE_EXCEEDED);
        } else {
          expected.addAll(List.of(msg(0), msg(1)));
          expected.add(code == Status.Code.OK ? "end-of-stream" : code);
        }
        List<Object> received = new ArrayList<>();
        while (received.size() < expected.size()) {
          received.add(run.recvNow());
        }
        assertThat(received).as("%s %s", code, origin).isEqualTo(expected);
        run.stream.close();
      }
    }
  }

  /**
   * A timed closeAndRecv that runs out leaves the call going, and the next one returns the
   * response: one that had not come yet, and one the timed-out call had already received while it
   * waited for the end.
   */
  @Test
  void aTimedCloseAndRecvThatTimesOutCanBeCalledAgain() throws Exception {
    Run run = new Run();
    run.fake.listener.onHeaders(new Metadata());
    assertThatThrownBy(() -> run.stream.closeAndRecv(1, TimeUnit.MILLISECONDS))
        .as("before the response").isInstanceOf(TimeoutException.class);
    assertThat(run.fake.halfCloses.get()).as("half-closed once").isEqualTo(1);

    run.fake.listener.onMessage(msg(0));
    assertThatThrownBy(() -> run.stream.closeAndRecv(1, TimeUnit.MILLISECONDS))
        .as("after the response, before the end").isInstanceOf(TimeoutException.class);

    run.fake.listener.onClose(Status.OK, new Metadata());
    assertThat(run.stream.closeAndRecv(5, TimeUnit.SECONDS)).isEqualTo(msg(0));
    assertThat(run.fake.halfCloses.get()).as("half-closed once").isEqualTo(1);
    assertThat(run.fake.cancels.get()).isZero();
    run.stream.close();
  }

  /**
   * A unary call's response(): the one response; a timed one that runs out can be called again,
   * and a second response fails the call with INTERNAL as closeAndRecv does.
   */
  @Test
  void aUnaryCallsResponseIsItsOneResponse() throws Exception {
    FakeChannel channel = new FakeChannel();
    try (ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(
        channel, UNARY, CallOptions.DEFAULT, new Metadata(), msg("x"))) {
      assertThat(channel.call.messages).containsExactly(msg("x"));
      assertThat(channel.call.halfCloses.get()).isEqualTo(1);
      channel.call.listener.onHeaders(new Metadata());
      channel.call.listener.onMessage(msg(0));
      assertThatThrownBy(() -> call.response(1, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      channel.call.listener.onClose(Status.OK, new Metadata());
      assertThat(call.response()).isEqualTo(msg(0));
      assertThatThrownBy(call::response).as("a second response()")
          .isInstanceOf(IllegalStateException.class);
    }

    FakeChannel twice = new FakeChannel();
    try (ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(
        twice, UNARY, CallOptions.DEFAULT, new Metadata(), msg("x"))) {
      twice.call.listener.onHeaders(new Metadata());
      twice.call.listener.onMessage(msg(0));
      twice.call.listener.onMessage(msg(1));
      twice.call.listener.onClose(Status.OK, new Metadata());
      assertThat(catchThrowableOfType(StatusException.class, call::response).getStatus()
          .getDescription()).isEqualTo("the server sent more than one response");
    }
  }

  /** close() interrupts a sender loop still running, but not when the sender itself calls it. */
  @Test
  void closeInterruptsARunningSenderButNotItself() throws Exception {
    Run run = new Run();
    CompletableFuture<Object> blocked = new CompletableFuture<>();
    Thread sender = run.stream.startSender(() -> {
      try {
        new CompletableFuture<Void>().get(); // until interrupted
        blocked.complete("not interrupted");
      } catch (InterruptedException e) {
        blocked.complete("interrupted");
      }
    });
    awaitParked(sender, CompletableFuture.class.getName(), "get");
    run.stream.close();
    assertThat(blocked.get(5, TimeUnit.SECONDS)).isEqualTo("interrupted");
    sender.join(5_000);
    assertThat(sender.isAlive()).as("the sender ended").isFalse();

    Run second = new Run();
    CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
    second.stream.startSender(() -> {
      second.stream.close();
      interruptedAfter.complete(Thread.currentThread().isInterrupted());
    });
    assertThat(interruptedAfter.get(5, TimeUnit.SECONDS))
        .as("the sender's interrupt flag after it closed the stream itself").isFalse();
  }

  /** headers() and trailers() wait until what they return arrives, and wake when it does. */
  @Test
  void headersAndTrailersWakeTheirWaiters() throws Exception {
    Run run = new Run();
    CompletableFuture<Metadata> headers = new CompletableFuture<>();
    CompletableFuture<Metadata> trailers = new CompletableFuture<>();
    Thread headersWaiter = Thread.ofVirtual().start(() -> complete(headers, run.stream::headers));
    Thread trailersWaiter =
        Thread.ofVirtual().start(() -> complete(trailers, run.stream::trailers));
    awaitParked(headersWaiter, BlockingClientCall.class.getName(), "headers");
    awaitParked(trailersWaiter, BlockingClientCall.class.getName(), "trailers");

    Metadata sentHeaders = new Metadata();
    run.fake.listener.onHeaders(sentHeaders);
    assertThat(headers.get(5, TimeUnit.SECONDS)).isSameAs(sentHeaders);
    assertThat(trailersWaiter.isAlive()).as("trailers() still waits").isTrue();

    Metadata sentTrailers = new Metadata();
    run.fake.listener.onClose(Status.OK, sentTrailers);
    assertThat(trailers.get(5, TimeUnit.SECONDS)).isSameAs(sentTrailers);

    // A call that ends without headers (trailers only) wakes headers() with null.
    Run trailersOnly = new Run();
    CompletableFuture<Metadata> none = new CompletableFuture<>();
    Thread noneWaiter =
        Thread.ofVirtual().start(() -> complete(none, trailersOnly.stream::headers));
    awaitParked(noneWaiter, BlockingClientCall.class.getName(), "headers");
    trailersOnly.fake.listener.onClose(Status.UNAVAILABLE, new Metadata());
    assertThat(none.get(5, TimeUnit.SECONDS)).isNull();
    run.stream.close();
    trailersOnly.stream.close();
  }

  /** A method bound with the call of another kind is refused. */
  @Test
  void aMethodOfAnotherKindIsRefused() {
    assertThatThrownBy(() -> BlockingClientCalls.bidiStreaming(new FakeChannel(), UNARY))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BlockingClientCalls.serverStreaming(new FakeChannel(), BIDI, msg(0)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  interface MetadataCall {
    Metadata get() throws InterruptedException;
  }

  private static void complete(CompletableFuture<Metadata> future, MetadataCall call) {
    try {
      future.complete(call.get());
    } catch (Throwable t) {
      future.completeExceptionally(t);
    }
  }

  /** Waits until {@code thread} waits inside {@code className.methodName}, for at most 5 s. */
  private static void awaitParked(Thread thread, String className, String methodName) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (;;) {
      Thread.State state = thread.getState();
      if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
        for (StackTraceElement frame : thread.getStackTrace()) {
          if (frame.getClassName().equals(className) && frame.getMethodName().equals(methodName)) {
            return;
          }
        }
      }
      assertThat(System.nanoTime() - deadline).as(thread + " waits in " + methodName)
          .isNegative();
      LockSupport.parkNanos(100_000);
    }
  }

  private void explore(List<Event> prefix) throws Exception {
    if (prefix.size() == DEPTH) {
      return;
    }
    for (Event next : Event.values()) {
      prefix.add(next);
      Run run = new Run();
      boolean applied = true;
      boolean extendable = false;
      try {
        for (Event event : prefix) {
          applied = run.apply(event);
          if (!applied) {
            break;
          }
        }
        if (applied) {
          sequences++;
          extendable = run.closedAt < 0 || run.steps - run.closedAt - 1 < AFTER_CLOSE;
          run.finish();
        }
      } catch (AssertionError e) {
        throw new AssertionError("after " + prefix + ": " + e.getMessage(), e);
      }
      if (extendable) {
        explore(prefix);
      }
      prefix.remove(prefix.size() - 1);
    }
  }

  /** One call and the model of what it should be. */
  static final class Run {
    final FakeChannel channel = new FakeChannel();
    final ClientStream<Message, Message> stream;
    final ClientStreamTracer tracer;
    final FakeClientCall fake;
    /** How a Context's deadline cancels it: grpc reads DEADLINE_EXCEEDED from it. */
    static final TimeoutException DEADLINE_PASSED = new TimeoutException("the deadline passed");

    /** The Context the call is made in; cancelled where this side's deadline passes. */
    final Context.CancellableContext scope = Context.current().withCancellation();

    // ---- the model ----
    State state = State.OPEN;
    Status.Code failure;
    final Deque<Message> held = new ArrayDeque<>();
    int delivered;
    boolean headersReceived;
    boolean trailersReceived;
    boolean grpcClosed;
    /** The server's trailers reached the tracer after headers: a status with them is its own. */
    boolean serverTrailersSeen;
    /** Events applied so far, and the index of the first close among them (-1: none). */
    int steps;
    int closedAt = -1;
    /** What the listener was given: the response headers, the server's trailers (TRAILERS). */
    final Metadata responseHeaders = new Metadata();
    final Metadata serverTrailers = new Metadata();
    /** The trailers onClose had: the server's, or grpc's own; null until onClose. */
    Metadata closeTrailers;
    boolean sendClosed;
    boolean endReturned;
    int expectedHalfCloses;
    /** What had been requested when the call's input ended; -1 before. */
    int requestedOnceOver = -1;
    int expectedCancels;

    /** The threads parked in recv and in send, if any. */
    Waiter receiver;
    Waiter sender;

    Run() {
      Context previous = scope.attach();
      try {
        stream = BlockingClientCalls.bidiStreaming(channel, BIDI,
            CallOptions.DEFAULT.withOption(BlockingClientCalls.MAX_BUFFERED_BYTES, MAX_BYTES),
            new Metadata());
      } finally {
        scope.detach(previous);
      }
      fake = channel.call;
      tracer = fake.options.getStreamTracerFactories().get(0).newClientStreamTracer(
          ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata());
    }

    boolean over() {
      return state != State.OPEN && state != State.PEER_FINISHED;
    }

    /** Applies one event; false if grpc could not deliver it now, or it would be misuse. */
    boolean apply(Event event) throws Exception {
      if (!applyEvent(event)) {
        return false;
      }
      steps++;
      settleWaiters();
      checkAlways();
      return true;
    }

    private boolean applyEvent(Event event) throws Exception {
      switch (event) {
        case HEADERS -> {
          if (headersReceived || grpcClosed) {
            return false;
          }
          headersReceived = true;
          tracer.inboundHeaders(new Metadata());
          fake.listener.onHeaders(responseHeaders);
        }
        case MESSAGE -> {
          if (!headersReceived || grpcClosed || fake.requested.get() <= delivered) {
            return false;
          }
          Message message = msg(delivered);
          tracer.inboundMessageRead(delivered, message.getSerializedSize(), -1);
          delivered++;
          fake.listener.onMessage(message);
          if (state == State.OPEN || state == State.PEER_FINISHED) {
            held.add(message);
          }
        }
        case TRAILERS -> {
          if (trailersReceived || grpcClosed) {
            return false;
          }
          trailersReceived = true;
          tracer.inboundTrailers(serverTrailers);
          serverTrailersSeen = headersReceived;
          if (headersReceived && state == State.OPEN) {
            state = State.PEER_FINISHED;
          }
        }
        case CLOSED_OK, CLOSED_FAILED, CLOSED_CANCELLED, CLOSED_DEADLINE, DEADLINE_HERE -> {
          if (grpcClosed || (event == Event.DEADLINE_HERE && !serverTrailersSeen)) {
            return false; // before the trailers, DEADLINE_HERE is CLOSED_DEADLINE
          }
          grpcClosed = true;
          Status status = event == Event.CLOSED_OK ? Status.OK
              : event == Event.CLOSED_FAILED ? Status.UNAVAILABLE
              : event == Event.CLOSED_CANCELLED ? Status.CANCELLED : Status.DEADLINE_EXCEEDED;
          boolean fromServer = serverTrailersSeen && event != Event.DEADLINE_HERE;
          boolean deadlineHere = event == Event.DEADLINE_HERE
              || (event == Event.CLOSED_DEADLINE && !fromServer);
          if (deadlineHere) {
            scope.cancel(DEADLINE_PASSED);
            if (expectedCancels == 0) {
              expectedCancels++; // the Context's cancel tells grpc too: its call may not follow it
            }
            cancelledHere(Status.Code.DEADLINE_EXCEEDED);
          }
          closeTrailers = fromServer ? serverTrailers : new Metadata();
          fake.listener.onClose(status, closeTrailers);
          ended(status, deadlineHere);
        }
        case READY -> {
          fake.ready = true;
          fake.listener.onReady();
        }
        case NOT_READY -> {
          if (!fake.ready) {
            return false;
          }
          fake.ready = false;
        }
        case CLOSE_SEND -> {
          if (sender != null) {
            return false; // closeSend belongs to the sending thread
          }
          stream.closeSend();
          if (!sendClosed && state == State.OPEN) {
            expectedHalfCloses++;
          }
          sendClosed = true;
        }
        case CANCEL, CLOSE -> {
          if (event == Event.CANCEL) {
            stream.cancel("cancelled by the test", null);
          } else {
            stream.close();
            closedAt = closedAt < 0 ? steps : closedAt;
          }
          if (!grpcClosed && expectedCancels == 0) {
            expectedCancels++; // grpc is told once, unless it ended the call
          }
          cancelledHere(Status.Code.CANCELLED);
        }
        case RECV -> {
          if (receiver != null) {
            return false;
          }
          expectRecv(recvNow());
        }
        case SEND -> {
          if (sender != null) {
            return false;
          }
          expectSend(sendNow(msg("out")), "out");
        }
        case PARK_IN_RECV -> {
          if (receiver != null || !recvWaits()) {
            return false; // one receiver at a time, and only one that would wait
          }
          receiver = new Waiter(true);
        }
        case PARK_IN_SEND -> {
          if (sender != null || !sendWaits()) {
            return false;
          }
          sender = new Waiter(false);
        }
        default -> throw new AssertionError(event);
      }
      return true;
    }

    /**
     * This side's cancel, close or deadline (a cancel of its Context): reads as a cancel with
     * {@code code}, even after the call ended, unless recv returned its end; what the call held is
     * dropped either way.
     */
    void cancelledHere(Status.Code code) {
      if (state != State.FAILED && !(state == State.INPUT_ENDED && endReturned)) {
        state = State.FAILED;
        failure = code;
      }
      held.clear();
    }

    /**
     * grpc's onClose with {@code status}; {@code givenUpHere} when this side's deadline passed
     * (its Context was cancelled). Only this side's cancel or deadline drops what the call holds.
     */
    void ended(Status status, boolean givenUpHere) {
      if (state == State.FAILED) {
        return;
      }
      if (status.isOk()) {
        state = State.INPUT_ENDED;
        return;
      }
      state = State.FAILED;
      failure = status.getCode();
      if (givenUpHere && (failure == Status.Code.CANCELLED
          || failure == Status.Code.DEADLINE_EXCEEDED)) {
        held.clear();
      }
    }

    boolean recvWaits() {
      return held.isEmpty() && (state == State.OPEN || state == State.PEER_FINISHED);
    }

    boolean sendWaits() {
      return !sendClosed && state == State.OPEN && !fake.ready;
    }

    Object recvNow() throws InterruptedException {
      try {
        Message message = stream.recv(0, TimeUnit.MILLISECONDS);
        return message == null ? "end-of-stream" : message;
      } catch (StatusException e) {
        return e.getStatus().getCode();
      } catch (TimeoutException e) {
        return "timeout";
      } catch (IllegalStateException e) {
        return "misuse";
      }
    }

    Object sendNow(Message message) throws InterruptedException {
      try {
        return stream.send(message, 0, TimeUnit.MILLISECONDS) ? "sent" : "over";
      } catch (TimeoutException e) {
        return "timeout";
      } catch (IllegalStateException e) {
        return "misuse";
      }
    }

    /** Checks what a recv returned or threw, here and now, against the model. */
    void expectRecv(Object outcome) {
      if (!held.isEmpty()) {
        assertThat(outcome).as("recv with a response held").isEqualTo(held.poll());
      } else if (state == State.FAILED) {
        assertThat(outcome).as("recv of a failed (or closed) call").isEqualTo(failure);
      } else if (state == State.INPUT_ENDED) {
        assertThat(outcome).as("recv after the call ended OK")
            .isEqualTo(endReturned ? "misuse" : "end-of-stream");
        endReturned = true;
      } else {
        assertThat(outcome).as("recv with nothing held").isEqualTo("timeout");
      }
    }

    /** Checks what a send of {@code text} returned or threw, here and now, against the model. */
    void expectSend(Object outcome, String text) {
      if (sendClosed) {
        assertThat(outcome).as("send after closeSend").isEqualTo("misuse");
      } else if (state != State.OPEN) {
        assertThat(outcome).as("send once the call is over, closed, or the server finished")
            .isEqualTo("over");
      } else if (fake.ready) {
        assertThat(outcome).isEqualTo("sent");
        assertThat(fake.messages).last().isEqualTo(msg(text));
      } else {
        assertThat(outcome).as("send while not ready").isEqualTo("timeout");
      }
    }

    /** A thread that waits in recv or send, started by PARK_IN_RECV or PARK_IN_SEND. */
    final class Waiter {
      final boolean receives;
      final CompletableFuture<Object> outcome = new CompletableFuture<>();
      final Thread thread;

      Waiter(boolean receives) {
        this.receives = receives;
        this.thread = Thread.ofVirtual().start(() -> {
          try {
            if (receives) {
              Message message = stream.recv();
              outcome.complete(message == null ? "end-of-stream" : message);
            } else {
              outcome.complete(stream.send(msg("parked")) ? "sent" : "over");
            }
          } catch (StatusException e) {
            outcome.complete(e.getStatus().getCode());
          } catch (IllegalStateException e) {
            outcome.complete("misuse");
          } catch (Exception | Error e) {
            outcome.complete(e);
          }
        });
      }

      /** Ended, or parked again (where it {@code mayWait}) after running what was queued for it. */
      boolean settled(boolean mayWait) {
        return !thread.isAlive()
            || mayWait && CallWaits.parkedInTheCall(thread, Thread.State.WAITING);
      }
    }

    /**
     * Waits until each waiter has run the callbacks queued for it and is parked again, or has
     * ended; checks either against the model.
     */
    void settleWaiters() throws Exception {
      // A waiter seen parked where the model says it cannot wait may be on its way out: a virtual
      // thread unparked as it parked shows WAITING for a moment before it runs on. One that stays
      // so past the deadline lost its wake-up.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      for (int spins = 0; (receiver != null && !receiver.settled(recvWaits()))
          || (sender != null && !sender.settled(sendWaits()))
          || ((receiver != null || sender != null) && fake.callbacksQueued()); spins++) {
        assertThat(System.nanoTime() - deadline)
            .as("the waiters end, or park where the model says they wait").isNegative();
        if (spins < 1_000) {
          Thread.yield();
        } else {
          LockSupport.parkNanos(10_000);
        }
      }
      if (receiver != null && !receiver.thread.isAlive()) {
        expectRecv(receiver.outcome.get());
        receiver = null;
      }
      if (sender != null && !sender.thread.isAlive()) {
        expectSend(sender.outcome.get(), "parked");
        sender = null;
      }
      if (receiver != null) {
        assertThat(recvWaits()).as("a receiver parked where the model says it cannot wait")
            .isTrue();
      }
      if (sender != null) {
        assertThat(sendWaits()).as("a sender parked where the model says it cannot wait")
            .isTrue();
      }
    }

    void checkAlways() throws InterruptedException {
      assertThat(fake.callbacksQueued()).as("callbacks left queued once the waiter settled")
          .isFalse();
      assertThatThrownBy(() -> stream.send(null, 0, TimeUnit.MILLISECONDS)).as("send(null)")
          .isInstanceOf(NullPointerException.class);
      if (over()) {
        // No more responses can arrive: the call asks grpc for nothing more.
        if (requestedOnceOver < 0) {
          requestedOnceOver = fake.requested.get();
        }
        assertThat(fake.requested.get()).as("responses asked for once none can arrive")
            .isEqualTo(requestedOnceOver);
      }
      // headers() and trailers() return at once what arrived; they are asked only when it has,
      // since before that they wait.
      if (headersReceived || grpcClosed) {
        assertThat(stream.headers()).as("headers()")
            .isSameAs(headersReceived ? responseHeaders : null);
      }
      if (grpcClosed) {
        assertThat(stream.trailers()).as("trailers()").isSameAs(closeTrailers);
      }
      assertThat(fake.halfCloses.get()).as("half-closes").isEqualTo(expectedHalfCloses)
          .isLessThanOrEqualTo(1);
      // A Context's cancel tells grpc from another thread when a sender holds grpc's call.
      TestServer.awaitUntil("grpc is cancelled " + expectedCancels + " times",
          () -> fake.cancels.get() >= expectedCancels);
      assertThat(fake.cancels.get()).as("grpc cancels").isEqualTo(expectedCancels)
          .isLessThanOrEqualTo(1);
      assertThat(fake.requested.get() - delivered).as("responses asked for ahead")
          .isLessThanOrEqualTo(1);
      int bytes = held.stream().mapToInt(Message::getSerializedSize).sum();
      if (!held.isEmpty()) {
        assertThat(bytes - held.peekLast().getSerializedSize())
            .as("bytes held, but for the last response").isLessThan(MAX_BYTES);
      }
      if ((state == State.OPEN || state == State.PEER_FINISHED) && bytes < MAX_BYTES) {
        assertThat(fake.requested.get() - delivered)
            .as("a response is asked for while there is room").isEqualTo(1);
      }
    }

    /** Ends the call as grpc would and checks that no waiter outlives it. */
    void finish() throws Exception {
      if (!grpcClosed) {
        apply(Event.CLOSED_CANCELLED);
      }
      apply(Event.CLOSE);
      assertThat(receiver).as("a receiver outlived the call").isNull();
      assertThat(sender).as("a sender outlived the call").isNull();
    }
  }

  /** A channel whose calls are {@link FakeClientCall}s. */
  static final class FakeChannel extends Channel {
    FakeClientCall call;

    @Override
    @SuppressWarnings("unchecked")
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options) {
      call = new FakeClientCall(options);
      return (ClientCall<ReqT, RespT>) call;
    }

    @Override
    public String authority() {
      return "fake";
    }
  }

  /** A listener whose every callback runs on {@code executor}, in order, as grpc's call does. */
  static final class Dispatching extends ClientCall.Listener<Message> {
    private final ClientCall.Listener<Message> listener;
    private final Executor executor;

    Dispatching(ClientCall.Listener<Message> listener, Executor executor) {
      this.listener = listener;
      this.executor = executor;
    }

    @Override
    public void onHeaders(Metadata headers) {
      executor.execute(() -> listener.onHeaders(headers));
    }

    @Override
    public void onMessage(Message message) {
      executor.execute(() -> listener.onMessage(message));
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      executor.execute(() -> listener.onClose(status, trailers));
    }

    @Override
    public void onReady() {
      executor.execute(listener::onReady);
    }
  }

  /** grpc's client call as far as the adapter uses it, with grpc's own checks of misuse. */
  static final class FakeClientCall extends ClientCall<Message, Message> {
    final CallOptions options;
    Listener<Message> listener;
    volatile boolean ready;
    final AtomicInteger requested = new AtomicInteger();
    final AtomicInteger halfCloses = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();
    final List<Message> messages = new CopyOnWriteArrayList<>();

    FakeClientCall(CallOptions options) {
      this.options = options;
    }

    /**
     * Keeps the listener, behind the call's executor as grpc puts it: every callback the model
     * delivers goes through grpc's own serializing executor into the executor of the call options
     * (the adapter's: run by a thread waiting in the call, or at once when none waits).
     */
    @Override
    public void start(Listener<Message> responseListener, Metadata headers) {
      listener = options.getExecutor() == null ? responseListener
          : new Dispatching(responseListener, new SerializingExecutor(options.getExecutor()));
    }

    /** Whether callbacks wait in the call's executor for a thread to run them. */
    boolean callbacksQueued() {
      return options.getExecutor() instanceof CallbackExecutor e && e.hasQueued();
    }

    @Override
    public void request(int numMessages) {
      requested.addAndGet(numMessages);
    }

    @Override
    public void cancel(String message, Throwable cause) {
      cancels.incrementAndGet();
    }

    @Override
    public void halfClose() {
      if (cancels.get() > 0) {
        throw new IllegalStateException("call was cancelled");
      }
      halfCloses.incrementAndGet();
    }

    @Override
    public void sendMessage(Message message) {
      if (cancels.get() > 0 || halfCloses.get() > 0) {
        throw new IllegalStateException("call was cancelled or half-closed");
      }
      messages.add(message);
    }

    @Override
    public boolean isReady() {
      return ready;
    }
  }
}
