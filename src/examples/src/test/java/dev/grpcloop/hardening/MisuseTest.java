package dev.grpcloop.hardening;

import static dev.grpcloop.hardening.TestService.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A handler that misuses the adapter's API gets an IllegalStateException that says what it did
 * wrong, at once; the client gets a status; nothing hangs and no thread is left.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MisuseTest {
  static final Duration WAIT = Duration.ofSeconds(5);

  private Harness harness;
  private ManagedChannel channel;

  /** What the second thread's call ended with: null if it returned, else what it threw. */
  private final CompletableFuture<Throwable> second = new CompletableFuture<>();

  /** What the handler's own misuse threw. */
  private final CompletableFuture<Throwable> misuse = new CompletableFuture<>();

  /** The stream of a handler that has returned. */
  private final CompletableFuture<ServerStream<Message, Message>> leaked =
      new CompletableFuture<>();

  @BeforeEach
  void start() throws Exception {
    harness = new Harness(threads -> List.of(new TestService()
        .bidi("TwoSenders", this::twoSenders)
        .bidi("TwoReceivers", this::twoReceivers)
        .bidi("RecvAfterEnd", this::recvAfterEnd)
        .bidi("ReturnEarly", this::returnEarly)
        .build(threads)));
    channel = harness.newChannel();
  }

  @AfterEach
  void stop() throws Exception {
    harness.close();
  }

  private void twoSenders(ServerStream<Message, Message> stream) throws Exception {
    Thread.ofVirtual().start(() -> second.complete(attempt(() -> stream.send(text("second")))));
    // The transport never becomes ready: once isReady() was false, the second thread waits
    // inside send() until the call ends.
    RecordedCall call = harness.recorder.awaitCall("two-senders", WAIT);
    RecordedCall.await(call.notReady, WAIT, "the second thread to wait in send");
    misuseRethrown(() -> stream.send(text("handler")));
  }

  private void twoReceivers(ServerStream<Message, Message> stream) throws Exception {
    Thread receiver = Thread.ofVirtual().start(() -> second.complete(attempt(stream::recv)));
    // The client sends nothing: the second thread waits inside recv() until the call ends.
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (receiver.getState() != Thread.State.WAITING) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the second thread never waited in recv");
      }
      LockSupport.parkNanos(1_000_000);
    }
    misuseRethrown(stream::recv);
  }

  private void recvAfterEnd(ServerStream<Message, Message> stream) throws Exception {
    while (stream.recv() != null) {
      // read to end-of-stream
    }
    misuseRethrown(stream::recv);
  }

  private void returnEarly(ServerStream<Message, Message> stream) {
    leaked.complete(stream);
  }

  @Test
  void twoThreadsSendingAtOnce() throws Exception {
    harness.recorder.neverReady("two-senders");
    StatusException status = callFails("TwoSenders", "two-senders", true);

    assertThat(misuse.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("send() called from").hasMessageContaining("is still inside it");
    // The handler's exception ended the call; the thread it left inside send() woke up.
    assertThat(second.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessage("send() called after the call was closed");
    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertOneCloseAndNoThreadLeft("two-senders");
  }

  @Test
  void twoThreadsReceivingAtOnce() throws Exception {
    // The client sends nothing, so the second thread stays inside recv().
    StatusException status = callFails("TwoReceivers", "two-receivers", false);

    assertThat(misuse.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("recv() called from").hasMessageContaining("is still inside it");
    assertThat(second.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessage("recv() called after the call was closed");
    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertOneCloseAndNoThreadLeft("two-receivers");
  }

  @Test
  void recvAfterEndOfStream() throws Exception {
    StatusException status = callFails("RecvAfterEnd", "recv-after-end", true);

    assertThat(misuse.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessage("recv() called again after it returned end-of-stream");
    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertOneCloseAndNoThreadLeft("recv-after-end");
  }

  @Test
  void sendAndRecvAfterTheHandlerReturned() throws Exception {
    try (ClientStream<Message, Message> stream = open("ReturnEarly", "return-early")) {
      assertThat(stream.recv()).isNull(); // OK: the handler returned
    }
    ServerStream<Message, Message> late = leaked.get(5, TimeUnit.SECONDS);
    assertThat(harness.recorder.awaitCall("return-early", WAIT).awaitClose(WAIT).isOk()).isTrue();

    assertThatThrownBy(() -> late.send(text("too late"))).isInstanceOf(IllegalStateException.class)
        .hasMessage("send() called after the call was closed");
    assertThatThrownBy(late::recv).isInstanceOf(IllegalStateException.class)
        .hasMessage("recv() called after the call was closed");
    assertThatThrownBy(() -> late.sendHeaders(new Metadata()))
        .isInstanceOf(IllegalStateException.class).hasMessage("the call is closed");
    assertThatThrownBy(() -> late.setTrailers(new Metadata()))
        .isInstanceOf(IllegalStateException.class).hasMessage("the call is closed");
    assertOneCloseAndNoThreadLeft("return-early");
  }

  /** Runs {@code body}, records what it throws as the handler's misuse, and rethrows it. */
  private void misuseRethrown(Attempt body) throws Exception {
    Throwable thrown = attempt(body);
    misuse.complete(thrown);
    if (thrown instanceof Exception e) {
      throw e;
    }
    throw new AssertionError("the misuse was not caught: it returned normally");
  }

  private static Throwable attempt(Attempt body) {
    try {
      body.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  @FunctionalInterface
  private interface Attempt {
    void run() throws Exception;
  }

  private ClientStream<Message, Message> open(String method, String id) {
    Metadata headers = new Metadata();
    headers.put(CallRecorder.CALL_ID, id);
    return BlockingClientCalls.bidiStreaming(
        channel, TestService.method(method), CallOptions.DEFAULT, headers);
  }

  /**
   * Makes the call (sending one message and half-closing, if told to) and returns the status it
   * fails with.
   */
  private StatusException callFails(String method, String id, boolean sendAndHalfClose) {
    List<Message> received = new ArrayList<>();
    StatusException failure = catchThrowableOfType(StatusException.class, () -> {
      try (ClientStream<Message, Message> stream = open(method, id)) {
        if (sendAndHalfClose) {
          stream.send(text("hello"));
          stream.closeSend();
        }
        for (Message m; (m = stream.recv()) != null; ) {
          received.add(m);
        }
      }
    });
    assertThat(failure).as(method + " must fail").isNotNull();
    assertThat(received).isEmpty();
    return failure;
  }

  private void assertOneCloseAndNoThreadLeft(String id) throws InterruptedException {
    RecordedCall call = harness.recorder.awaitCall(id, WAIT);
    call.awaitClose(WAIT);
    assertThat(call.closes).hasValue(1);
    assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
  }
}
