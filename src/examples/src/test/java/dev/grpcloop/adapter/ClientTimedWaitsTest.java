package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.ClientCallbackEdgesTest.outcome;
import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientCallModelTest.FakeChannel;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Client side: a timed wait keeps to its budget. recv, closeAndRecv and response with a timeout
 * wait at most that long in all, whatever they did meanwhile: the callbacks they ran instead of
 * waiting (an interceptor's listener that takes long) count against it, and so does the wait for
 * the one response before the wait for the call's end; and they do not give up early either. A
 * timeout leaves the call going, and what the timed-out call had received is kept for the next
 * try, on any thread. Over the model test's fake grpc call, behind a {@link ListenerProbe}.
 */
@Timeout(60)
class ClientTimedWaitsTest {

  /** A timed operation's timeout: far above a loaded machine's scheduling noise. */
  private static final long TIMEOUT_MS = 1_000;

  /**
   * A receiver in a timed recv runs a callback that comes for it (an interceptor's onHeaders),
   * which takes longer than the whole timeout: recv times out as the callback returns, with no
   * time left, not a timeout later.
   */
  @Test
  void aTimedRecvCountsTheCallbacksItRanAgainstItsTimeout() throws Exception {
    ListenerProbe probe = ListenerProbe.holdingHeaders();
    FakeChannel channel = new FakeChannel();
    ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(ClientInterceptors.intercept(channel, probe), BIDI);
    CompletableFuture<Long> timedOutAt = new CompletableFuture<>();
    Thread receiver = Thread.ofVirtual().name("receiver").start(() -> {
      try {
        Message message = stream.recv(TIMEOUT_MS, MILLISECONDS);
        timedOutAt.completeExceptionally(new AssertionError("recv returned " + message));
      } catch (TimeoutException expected) {
        timedOutAt.complete(System.nanoTime());
      } catch (Exception e) {
        timedOutAt.completeExceptionally(e);
      }
    });
    CallWaits.awaitParked(receiver);

    Thread.ofVirtual().name("transport")
        .start(() -> channel.call.listener.onHeaders(new Metadata()));
    assertThat(probe.heldOn.get(5, SECONDS)).as("the thread that runs onHeaders")
        .isSameAs(receiver);
    assertThat(receiver.join(Duration.ofMillis(TIMEOUT_MS + 200)))
        .as("recv ended while its callback ran").isFalse();
    long released = System.nanoTime();
    probe.release.countDown();

    long waitedAfter = MILLISECONDS.convert(timedOutAt.get(5, SECONDS) - released, NANOSECONDS);
    assertThat(waitedAfter).as("ms recv(%d ms) waited after its callback, which took longer",
        TIMEOUT_MS).isLessThan(TIMEOUT_MS / 2);
    stream.close();
  }

  /**
   * A timed recv that ran a quick callback instead of waiting (onHeaders, which brings no message)
   * waits on for the rest of its timeout: it does not give up early.
   */
  @Test
  void aTimedRecvWaitsOnAfterACallbackItRan() throws Exception {
    ListenerProbe probe = ListenerProbe.recording();
    FakeChannel channel = new FakeChannel();
    ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(ClientInterceptors.intercept(channel, probe), BIDI);
    CompletableFuture<Long> took = new CompletableFuture<>();
    Thread receiver = Thread.ofVirtual().name("receiver").start(() -> {
      long start = System.nanoTime();
      try {
        Message message = stream.recv(TIMEOUT_MS, MILLISECONDS);
        took.completeExceptionally(new AssertionError("recv returned " + message));
      } catch (TimeoutException expected) {
        took.complete(MILLISECONDS.convert(System.nanoTime() - start, NANOSECONDS));
      } catch (Exception e) {
        took.completeExceptionally(e);
      }
    });
    CallWaits.awaitParked(receiver);

    channel.call.listener.onHeaders(new Metadata()); // queued for the receiver, which runs it
    assertThat(took.get(5, SECONDS)).as("ms recv(%d ms) took", TIMEOUT_MS)
        .isBetween(TIMEOUT_MS, TIMEOUT_MS * 3 / 2);
    assertThat(probe.events).containsExactly("onHeaders");
    stream.close();
  }

  /**
   * closeAndRecv(timeout) spends one budget on the response and on the call's end: a response
   * that comes after half the timeout (an interceptor holds it) leaves half for the end, which
   * never comes. It times out after its timeout, neither earlier nor a half later.
   */
  @Test
  void aTimedCloseAndRecvSpendsOneTimeoutOnTheResponseAndTheEnd() throws Exception {
    ListenerProbe probe = ListenerProbe.holdingMessage();
    FakeChannel channel = new FakeChannel();
    ClientSendStream<Message, Message> stream = BlockingClientCalls.clientStreaming(
        ClientInterceptors.intercept(channel, probe), CLIENT_STREAMING);
    CompletableFuture<Long> took = new CompletableFuture<>();
    Thread caller = Thread.ofVirtual().name("caller").start(() -> {
      long start = System.nanoTime();
      try {
        Message response = stream.closeAndRecv(TIMEOUT_MS, MILLISECONDS);
        took.completeExceptionally(new AssertionError("closeAndRecv returned " + response));
      } catch (TimeoutException expected) {
        took.complete(MILLISECONDS.convert(System.nanoTime() - start, NANOSECONDS));
      } catch (Exception e) {
        took.completeExceptionally(e);
      }
    });
    CallWaits.awaitParked(caller);

    Thread.ofVirtual().name("transport").start(() -> {
      channel.call.listener.onHeaders(new Metadata());
      channel.call.listener.onMessage(msg(0));
    });
    probe.heldOn.get(5, SECONDS);
    assertThat(caller.join(Duration.ofMillis(TIMEOUT_MS / 2)))
        .as("closeAndRecv ended before its response came").isFalse();
    probe.release.countDown();

    assertThat(took.get(5, SECONDS)).as("ms closeAndRecv(%d ms) took, its response after half",
        TIMEOUT_MS).isBetween(TIMEOUT_MS, TIMEOUT_MS * 3 / 2);
    assertThat(probe.events).containsExactly("onHeaders", "onMessage m0");
    stream.close();
  }

  /**
   * A timed response() whose response had come waits the rest of its timeout for the call's end,
   * and returns the response when the end comes.
   */
  @Test
  void aTimedResponseWaitsForTheEndAfterItsResponse() throws Exception {
    FakeChannel channel = new FakeChannel();
    ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(
        channel, UNARY, CallOptions.DEFAULT, new Metadata(), msg("x"));
    channel.call.listener.onHeaders(new Metadata()); // nobody waits: they run at once
    channel.call.listener.onMessage(msg(0));
    CompletableFuture<String> outcome = new CompletableFuture<>();
    Thread caller = Thread.ofVirtual().name("caller")
        .start(() -> outcome.complete(outcome(() -> call.response(TIMEOUT_MS, MILLISECONDS))));
    CallWaits.awaitParkedOrEnded(caller);

    channel.call.listener.onClose(Status.OK, new Metadata());
    assertThat(outcome.get(5, SECONDS)).isEqualTo("response m0");
    call.close();
  }

  /**
   * A timed response() that timed out after the response came keeps it; a response() on another
   * thread then waits for the call's end and returns it.
   */
  @Test
  void aResponseKeptByATimedOutResponseGoesToTheNextCallerOnAnotherThread() throws Exception {
    FakeChannel channel = new FakeChannel();
    ClientUnaryCall<Message> call = BlockingClientCalls.unaryCall(
        channel, UNARY, CallOptions.DEFAULT, new Metadata(), msg("x"));
    channel.call.listener.onHeaders(new Metadata());
    channel.call.listener.onMessage(msg(0));
    CompletableFuture<String> first = new CompletableFuture<>();
    Thread.ofVirtual().name("first")
        .start(() -> first.complete(outcome(() -> call.response(1, MILLISECONDS))));
    assertThat(first.get(5, SECONDS)).isEqualTo("TimeoutException");

    CompletableFuture<String> second = new CompletableFuture<>();
    Thread next = Thread.ofVirtual().name("second")
        .start(() -> second.complete(outcome(call::response)));
    CallWaits.awaitParked(next); // waits for the end: the first left the call free
    channel.call.listener.onClose(Status.OK, new Metadata());
    assertThat(second.get(5, SECONDS)).isEqualTo("response m0");
    call.close();
  }
}
