package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcloop.echo.proto.Message;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every sequence of events a server call can meet, up to {@link #DEPTH} long, applied to the real
 * call ({@link BlockingServerCalls#bidiStreaming}) over a fake {@link ServerCall}, with the call's
 * invariants checked after each step:
 *
 * <ul>
 *   <li>grpc's call is closed at most once, never after grpc ended it, with the interrupt flag
 *       clear, and with the handler's status;
 *   <li>once the call is cancelled, or grpc ended it, recv never returns a message or
 *       end-of-stream, whatever was buffered or half-closed; end-of-stream comes once, and only
 *       after a half-close;
 *   <li>a send that may not proceed never waits: it throws, or times out only while the call is
 *       open and the transport is not ready;
 *   <li>no thread stays parked in recv or send once the call is over;
 *   <li>at most one message is requested ahead, and the call never holds more than its bounds;
 *   <li>sendHeaders and setTrailers work while the handler runs, cancelled or not, and throw once
 *       its end closed the call; headers go to grpc at most once.
 * </ul>
 *
 * <p>Events that grpc cannot deliver in a state (a message nobody asked for, a second half-close,
 * a cancel after the end) are not applied. The depth can be lowered for mutation testing with
 * {@code -Dmodel.depth=N}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServerCallModelTest {

  static final int DEPTH = Integer.getInteger("model.depth", 6);

  /** Two test messages fill the byte bound: the bound is reached within a few steps. */
  static final int MAX_BYTES = 8;

  enum Event {
    MESSAGE, HALF_CLOSE, READY, NOT_READY, CANCEL, GRPC_ENDS,
    HANDLER_RETURNS, HANDLER_THROWS, RECV, SEND, SEND_HEADERS, PARK_IN_RECV, PARK_IN_SEND
  }

  private long sequences;

  @Test
  void everySequenceKeepsTheInvariants() throws Exception {
    explore(new ArrayList<>());
    System.out.println("ServerCallModelTest: " + sequences + " sequences of up to " + DEPTH
        + " events");
    // A floor that only shows the exploration was not cut short; lower depths explore fewer.
    assertThat(sequences).as("sequences explored").isGreaterThan(
        DEPTH >= 6 ? 10_000 : DEPTH >= 4 ? 1_000 : 0);
  }

  /**
   * A response that cannot be serialized fails the call at once: the send throws INTERNAL, and the
   * call is cancelled for the handler before grpc's own onCancel comes (here it never does).
   */
  @Test
  void aResponseThatCannotBeSerializedFailsTheCallAtOnce() throws Exception {
    MethodDescriptor.Marshaller<Message> proto = BIDI.getResponseMarshaller();
    MethodDescriptor<Message, Message> poisoned = BIDI.toBuilder(BIDI.getRequestMarshaller(),
        new MethodDescriptor.Marshaller<Message>() {
          @Override
          public java.io.InputStream stream(Message value) {
            if (value.getText().equals("poison")) {
              throw new IllegalStateException("cannot serialize");
            }
            return proto.stream(value);
          }

          @Override
          public Message parse(java.io.InputStream stream) {
            return proto.parse(stream);
          }
        }).build();
    CompletableFuture<List<Object>> seen = new CompletableFuture<>();
    ServerMethodDefinition<Message, Message> definition = BlockingServerCalls.bidiStreaming(
        poisoned, stream -> {
          List<Object> outcomes = new ArrayList<>();
          stream.send(msg("fine"));
          try {
            stream.send(msg("poison"));
            outcomes.add("sent");
          } catch (StatusException e) {
            outcomes.add(e.getStatus().getCode());
          }
          outcomes.add(stream.isCancelled());
          try {
            stream.recv(0, TimeUnit.MILLISECONDS);
            outcomes.add("received");
          } catch (StatusException e) {
            outcomes.add(e.getStatus().getCode());
          } catch (TimeoutException e) {
            outcomes.add("timeout");
          }
          seen.complete(outcomes);
        });
    FakeServerCall fake = new FakeServerCall();
    fake.method = definition.getMethodDescriptor();
    fake.serialize = true;
    fake.ready = true;
    definition.getServerCallHandler().startCall(fake, new Metadata());

    assertThat(seen.get(5, TimeUnit.SECONDS)).as("send, isCancelled, recv")
        .containsExactly(Status.Code.INTERNAL, true, Status.Code.INTERNAL);
    assertThat(fake.messages).containsExactly(msg("fine"));
  }

  /**
   * A ThreadFactory that makes no thread fails the call at once; grpc still gets a listener (its
   * ServerImpl would take a null one for a failure of its own), and its events change nothing.
   */
  @Test
  void aCallWithoutAHandlerThreadStillGivesGrpcAListener() {
    ServerMethodDefinition<Message, Message> definition = BlockingServerCalls.bidiStreaming(BIDI,
        stream -> {
          throw new AssertionError("the handler has no thread to run on");
        }, BlockingServerCalls.Options.DEFAULT.withThreads(task -> null));
    FakeServerCall fake = new FakeServerCall();
    fake.method = definition.getMethodDescriptor();

    ServerCall.Listener<Message> listener =
        definition.getServerCallHandler().startCall(fake, new Metadata());

    assertThat(listener).isNotNull();
    assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    listener.onMessage(msg(0));
    listener.onHalfClose();
    listener.onComplete();
    assertThat(fake.closes).isEqualTo(1);
  }

  /**
   * The transport becomes ready while the sender asks it whether it is: its onReady comes after
   * the check said "not ready" and before the sender waits. grpc sends no second onReady, so a
   * sender that counted onReady events only from its wait on would park for good.
   */
  @Test
  void anOnReadyDuringTheReadinessCheckIsNotLost() throws Exception {
    Run run = new Run();
    try {
      run.fake.duringReadyCheck = () -> {
        run.fake.duringReadyCheck = null;
        run.fake.ready = true;
        run.listener.onReady();
      };
      CompletableFuture<Object> outcome = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          run.stream.send(msg("raced"), 5, TimeUnit.SECONDS);
          outcome.complete("sent");
        } catch (Exception e) {
          outcome.complete(e);
        }
      });
      assertThat(outcome.get(10, TimeUnit.SECONDS)).as("the send").isEqualTo("sent");
      assertThat(run.fake.messages).containsExactly(msg("raced"));
    } finally {
      run.abandon();
    }
  }

  /**
   * A timed send woken by an onReady that did not make the transport ready waits on for the rest
   * of its time: it neither times out early nor misses the onReady that does.
   */
  @Test
  void aTimedSendWaitsOutItsTimeAcrossAnOnReadyThatChangedNothing() throws Exception {
    Run run = new Run();
    try {
      CompletableFuture<Object> outcome = new CompletableFuture<>();
      Thread sender = Thread.ofVirtual().start(() -> {
        try {
          run.stream.send(msg("timed"), 1, TimeUnit.MINUTES);
          outcome.complete("sent");
        } catch (Exception e) {
          outcome.complete(e);
        }
      });
      awaitParkedOrEnded(sender, run.fake, 1);
      run.listener.onReady(); // the transport is still not ready
      awaitParkedOrEnded(sender, run.fake, 2);
      assertThat(outcome).as("the send after an onReady that changed nothing").isNotDone();
      run.fake.ready = true;
      run.listener.onReady();
      assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo("sent");
      assertThat(run.fake.messages).containsExactly(msg("timed"));
    } finally {
      run.abandon();
    }
  }

  /** Waits until {@code sender} has asked the transport {@code checks} times and parked, or ended. */
  private static void awaitParkedOrEnded(Thread sender, FakeServerCall fake, int checks) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (sender.isAlive() && !(fake.readyChecks.get() >= checks
        && CallWaits.parkedInTheCall(sender, Thread.State.TIMED_WAITING))) {
      assertThat(System.nanoTime() - deadline).as("the sender parks or ends").isNegative();
      LockSupport.parkNanos(100_000);
    }
  }

  /** The options refuse what would break a call: no thread factory, a bound below one byte. */
  @Test
  void optionsRefuseNoThreadsAndAnEmptyBound() {
    BlockingServerCalls.Options options = BlockingServerCalls.Options.DEFAULT;
    assertThatThrownBy(() -> options.withThreads(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> options.withMaxBufferedBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(options.withMaxBufferedBytes(1)).as("a bound of one byte").isNotNull();
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
          extendable = !run.closedByHandler(); // the handler's end closes the call for good
          run.finish();
        }
      } catch (AssertionError e) {
        throw new AssertionError("after " + prefix + ": " + e.getMessage(), e);
      } finally {
        run.abandon();
      }
      if (extendable) {
        explore(prefix);
      }
      prefix.remove(prefix.size() - 1);
    }
  }

  /** One call, driven event by event; it knows what the call should do after each. */
  static final class Run {
    final FakeServerCall fake = new FakeServerCall();
    final CompletableFuture<Throwable> handlerEnd = new CompletableFuture<>();
    final CompletableFuture<Thread> handlerThread = new CompletableFuture<>();
    final ServerMethodDefinition<Message, Message> definition;
    final ServerCall.Listener<Message> listener;
    final ServerStream<Message, Message> stream;
    /** A thread parked in recv or send, if any, and how it ended once it did. */
    Thread waiter;
    boolean waiterReceives;
    CompletableFuture<Object> waiterOutcome;

    int sent;
    int taken;
    /** What had been requested when the input ended (half-close, cancel, close); -1 before. */
    int requestedOnceOver = -1;
    boolean halfClosed;
    boolean grpcEnded;
    boolean handlerEnded;
    boolean endReturned;

    Run() throws Exception {
      CompletableFuture<ServerStream<Message, Message>> streamOf = new CompletableFuture<>();
      definition = BlockingServerCalls.bidiStreaming(BIDI, s -> {
        streamOf.complete(s);
        Throwable end = handlerEnd.get();
        if (end instanceof Exception e) {
          throw e;
        }
      }, BlockingServerCalls.Options.DEFAULT.withMaxBufferedBytes(MAX_BYTES).withThreads(task -> {
        Thread thread = Thread.ofVirtual().unstarted(task);
        handlerThread.complete(thread);
        return thread;
      }));
      fake.method = definition.getMethodDescriptor();
      listener = definition.getServerCallHandler().startCall(fake, new Metadata());
      stream = streamOf.get(5, TimeUnit.SECONDS);
    }

    boolean over() {
      return grpcEnded || handlerEnded;
    }

    boolean closedByHandler() {
      return handlerEnded;
    }

    /** Applies one event; false if grpc could not deliver it now. */
    boolean apply(Event event) throws Exception {
      switch (event) {
        case MESSAGE -> {
          if (fake.requested.get() <= sent || halfClosed || grpcEnded) {
            return false;
          }
          // As grpc does: parse with the method's (wrapped) marshaller, then deliver.
          Message message = definition.getMethodDescriptor()
              .parseRequest(new ByteArrayInputStream(msg(sent).toByteArray()));
          sent++;
          listener.onMessage(message);
        }
        case HALF_CLOSE -> {
          if (halfClosed || grpcEnded) {
            return false;
          }
          halfClosed = true;
          listener.onHalfClose();
        }
        case READY -> {
          if (grpcEnded) {
            return false;
          }
          fake.ready = true;
          listener.onReady();
        }
        case NOT_READY -> {
          if (!fake.ready) {
            return false;
          }
          fake.ready = false;
        }
        case CANCEL, GRPC_ENDS -> {
          if (grpcEnded) {
            return false;
          }
          grpcEnded = true;
          if (event == Event.CANCEL) {
            listener.onCancel();
          } else {
            listener.onComplete();
          }
        }
        case HANDLER_RETURNS, HANDLER_THROWS -> {
          if (handlerEnded) {
            return false;
          }
          boolean throwing = event == Event.HANDLER_THROWS;
          handlerEnd.complete(throwing ? Status.ABORTED.asException() : null);
          Thread handler = handlerThread.get();
          handler.join(TimeUnit.SECONDS.toMillis(5));
          assertThat(handler.isAlive()).as("the handler's thread ended").isFalse();
          handlerEnded = true;
          checkClose(throwing ? Status.Code.ABORTED : Status.Code.OK);
        }
        case RECV -> {
          if (waiter != null && waiterReceives) {
            return false; // a second receiver is misuse, tested elsewhere
          }
          checkRecv();
        }
        case SEND -> {
          if (waiter != null && !waiterReceives) {
            return false;
          }
          checkSend();
        }
        case SEND_HEADERS -> checkSendHeaders();
        case PARK_IN_RECV, PARK_IN_SEND -> {
          if (over() || waiter != null) {
            return false; // one waiter at a time; and it would not wait
          }
          boolean recv = event == Event.PARK_IN_RECV;
          if (recv && (halfClosed || taken < sent)) {
            return false; // recv would return at once
          }
          if (!recv && fake.ready) {
            return false; // send would not wait
          }
          waiterReceives = recv;
          CompletableFuture<Object> outcome = new CompletableFuture<>();
          waiterOutcome = outcome;
          waiter = Thread.ofVirtual().start(() -> {
            try {
              if (recv) {
                Message message = stream.recv();
                outcome.complete(message == null ? "end-of-stream" : message);
              } else {
                stream.send(msg("parked"));
                outcome.complete("sent");
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
        default -> throw new AssertionError(event);
      }
      settleWaiter();
      checkAlways();
      return true;
    }

    /**
     * Whether the waiter may wait now: the call is not over, and a receiver has no message or end
     * there for it, a sender a transport that is not ready.
     */
    private boolean waiterMayWait() {
      return !over() && (waiterReceives ? taken == sent && !halfClosed : !fake.ready);
    }

    /**
     * Waits until the waiter, if any, is parked again or has ended, and checks what it got: what a
     * recv or send probe would have got at the same point.
     */
    void settleWaiter() throws Exception {
      if (waiter == null) {
        return;
      }
      // A waiter seen parked where the model says it cannot wait may be on its way out: a virtual
      // thread unparked as it parked shows WAITING for a moment before it runs on. One that stays
      // so past the deadline lost its wake-up.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      for (int spins = 0; waiter.isAlive()
          && !(waiterMayWait() && CallWaits.parkedInTheCall(waiter, Thread.State.WAITING));
          spins++) {
        assertThat(System.nanoTime() - deadline)
            .as("the waiter ends, or parks where the model says it waits").isNegative();
        if (spins < 1_000) {
          Thread.yield();
        } else {
          LockSupport.parkNanos(10_000);
        }
      }
      if (waiter.isAlive()) {
        return; // parked where it may wait
      }
      Object outcome = waiterOutcome.get();
      if (waiterReceives) {
        expectRecv(outcome);
      } else {
        expectSend(outcome, "parked");
      }
      waiter = null;
    }

    /** What must hold after every step. */
    void checkAlways() throws InterruptedException {
      checkMetadataCalls();
      assertThatThrownBy(() -> stream.send(null, 0, TimeUnit.MILLISECONDS)).as("send(null)")
          .isInstanceOf(NullPointerException.class);
      if (halfClosed || over()) {
        // No more can arrive: the call asks grpc for nothing more.
        if (requestedOnceOver < 0) {
          requestedOnceOver = fake.requested.get();
        }
        assertThat(fake.requested.get()).as("messages asked for once none can arrive")
            .isEqualTo(requestedOnceOver);
      }
      assertThat(fake.closes).as("grpc closes").isLessThanOrEqualTo(1);
      assertThat(fake.requested.get() - sent).as("messages asked for ahead").isLessThanOrEqualTo(1);
      assertThat(sent - taken).as("messages held").isLessThanOrEqualTo(
          Inbox.MAX_MESSAGES);
      if (!over() && sent > taken) {
        assertThat(bytesHeld() - msg(sent - 1).getSerializedSize())
            .as("bytes held, but for the last message").isLessThan(MAX_BYTES);
      }
      if (!over() && !halfClosed && sent - taken < Inbox.MAX_MESSAGES
          && bytesHeld() < MAX_BYTES) {
        assertThat(fake.requested.get() - sent).as("a message is asked for while there is room")
            .isEqualTo(1);
      }
    }

    int bytesHeld() {
      int bytes = 0;
      for (int i = taken; i < sent; i++) {
        bytes += msg(i).getSerializedSize();
      }
      return bytes;
    }

    void checkClose(Status.Code expected) {
      if (grpcEnded) {
        assertThat(fake.closes).as("grpc ended the call: nothing to close").isZero();
      } else {
        assertThat(fake.closes).as("closed once").isEqualTo(1);
        assertThat(fake.closedWith.getCode()).isEqualTo(expected);
        assertThat(fake.interruptedInClose).as("interrupt flag in close").isFalse();
      }
    }

    void checkRecv() throws InterruptedException {
      Object outcome;
      try {
        Message message = stream.recv(0, TimeUnit.MILLISECONDS);
        outcome = message == null ? "end-of-stream" : message;
      } catch (StatusException e) {
        outcome = e.getStatus().getCode();
      } catch (TimeoutException e) {
        outcome = "timeout";
      } catch (IllegalStateException e) {
        outcome = "misuse";
      }
      expectRecv(outcome);
    }

    /** Checks what a recv returned or threw, here and now. */
    void expectRecv(Object outcome) {
      if (handlerEnded) {
        assertThat(outcome).as("recv after the handler closed the call").isEqualTo("misuse");
      } else if (grpcEnded) {
        assertThat(outcome).as("recv once grpc ended the call: cancel wins")
            .isEqualTo(Status.Code.CANCELLED);
      } else if (taken < sent) {
        assertThat(outcome).as("recv with a message held").isEqualTo(msg(taken));
        taken++;
      } else if (halfClosed) {
        assertThat(outcome).as("recv after the half-close")
            .isEqualTo(endReturned ? "misuse" : "end-of-stream");
        endReturned = true;
      } else {
        assertThat(outcome).as("recv with nothing held").isEqualTo("timeout");
      }
    }

    void checkSend() throws InterruptedException {
      Object outcome;
      try {
        stream.send(msg("out"), 0, TimeUnit.MILLISECONDS);
        outcome = "sent";
      } catch (StatusException e) {
        outcome = e.getStatus().getCode();
      } catch (TimeoutException e) {
        outcome = "timeout";
      } catch (IllegalStateException e) {
        outcome = "misuse";
      }
      expectSend(outcome, "out");
    }

    /** Checks what a send of {@code text} returned or threw, here and now. */
    void expectSend(Object outcome, String text) {
      if (handlerEnded) {
        assertThat(outcome).as("send after the handler closed the call").isEqualTo("misuse");
      } else if (grpcEnded) {
        assertThat(outcome).as("send once grpc ended the call").isEqualTo(Status.Code.CANCELLED);
      } else if (fake.ready) {
        assertThat(outcome).isEqualTo("sent");
        assertThat(fake.messages).last().isEqualTo(msg(text));
        assertThat(fake.headersSent).isTrue();
      } else {
        assertThat(outcome).as("send while not ready").isEqualTo("timeout");
      }
    }

    /** sendHeaders goes to grpc once, while the handler runs (cancelled or not), then throws. */
    void checkSendHeaders() {
      boolean sentBefore = fake.headersSent;
      Object outcome;
      try {
        stream.sendHeaders(new Metadata());
        outcome = "sent";
      } catch (IllegalStateException e) {
        outcome = "misuse";
      }
      if (handlerEnded || sentBefore) {
        assertThat(outcome).as("sendHeaders after the close or after headers went out")
            .isEqualTo("misuse");
        assertThat(fake.headersSent).isEqualTo(sentBefore);
      } else {
        assertThat(outcome).as("sendHeaders while the handler runs").isEqualTo("sent");
        assertThat(fake.headersSent).isTrue();
      }
    }

    /**
     * The calls that change the call's metadata, made where they change nothing observable (no
     * entries; compression on a fake call): each works until the handler's end closed the call,
     * even once grpc ended it, and throws after; setCompression also once headers went out. They
     * are made from the test's thread: a lock one left held would stop the handler's close.
     */
    void checkMetadataCalls() {
      String running = handlerEnded ? "misuse" : "done";
      assertThat(outcomeOf(() -> stream.setTrailers(new Metadata()))).as("setTrailers")
          .isEqualTo(running);
      assertThat(outcomeOf(() -> stream.setMessageCompression(true)))
          .as("setMessageCompression").isEqualTo(running);
      assertThat(outcomeOf(() -> stream.setCompression("gzip"))).as("setCompression")
          .isEqualTo(fake.headersSent ? "misuse" : running);
      if (handlerEnded) {
        boolean sentBefore = fake.headersSent;
        assertThat(outcomeOf(() -> stream.sendHeaders(new Metadata())))
            .as("sendHeaders after the close").isEqualTo("misuse");
        assertThat(fake.headersSent).as("headers sent after the close").isEqualTo(sentBefore);
      }
    }

    static String outcomeOf(Runnable call) {
      try {
        call.run();
        return "done";
      } catch (IllegalStateException e) {
        return "misuse";
      }
    }

    /** Ends whatever is still running, so that no thread of this run outlives it. */
    void finish() throws Exception {
      if (!handlerEnded) {
        apply(grpcEnded ? Event.HANDLER_RETURNS : Event.CANCEL);
        if (!handlerEnded) {
          apply(Event.HANDLER_RETURNS);
        }
      }
    }

    void abandon() {
      handlerEnd.complete(null);
    }

  }

  /** grpc's server call as far as the adapter uses it; records what the adapter did. */
  static final class FakeServerCall extends ServerCall<Message, Message> {
    MethodDescriptor<Message, Message> method;
    volatile boolean ready;
    final java.util.concurrent.atomic.AtomicInteger requested =
        new java.util.concurrent.atomic.AtomicInteger();
    volatile boolean headersSent;
    final java.util.concurrent.atomic.AtomicInteger readyChecks =
        new java.util.concurrent.atomic.AtomicInteger();
    /** Whether sendMessage serializes the message, as grpc does. */
    boolean serialize;
    volatile int closes;
    volatile Status closedWith;
    volatile boolean interruptedInClose;
    final List<Message> messages = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void request(int numMessages) {
      requested.addAndGet(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      assertThat(headersSent).as("headers sent once").isFalse();
      headersSent = true;
    }

    @Override
    public void sendMessage(Message message) {
      assertThat(closes).as("send after close").isZero();
      if (serialize) {
        // As grpc does: serialize with the method's (wrapped) marshaller; a failure cancels the
        // stream, and sendMessage returns normally.
        try {
          method.streamResponse(message);
        } catch (RuntimeException e) {
          return;
        }
      }
      messages.add(message);
    }

    /** Run once by the next isReady, after it read the answer: grpc's events go on meanwhile. */
    volatile Runnable duringReadyCheck;

    @Override
    public boolean isReady() {
      readyChecks.incrementAndGet();
      boolean answer = ready && closes == 0;
      Runnable during = duringReadyCheck;
      if (during != null) {
        during.run();
      }
      return answer;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      interruptedInClose = Thread.currentThread().isInterrupted();
      closedWith = status;
      closes++;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }

    @Override
    public MethodDescriptor<Message, Message> getMethodDescriptor() {
      return method;
    }
  }

}
