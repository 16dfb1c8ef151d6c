package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ServerCallModelTest.FakeServerCall;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When the handler's thread starts. A streaming request's handler starts with the call; a
 * unary or server-streaming handler once its one request is complete (the half-close, or a
 * second message), as grpc's own ServerCalls invoke a unary method at the half-close: its thread
 * never waits for the request, and a call cancelled before runs no handler. Driven through a fake
 * of grpc's call, event by event.
 */
@Timeout(30)
class ServerHandlerStartTest {

  private final CompletableFuture<Thread> handlerThread = new CompletableFuture<>();
  private final AtomicInteger handled = new AtomicInteger();
  private final FakeServerCall fake = new FakeServerCall();

  private BlockingServerCalls.Options options() {
    return BlockingServerCalls.Options.DEFAULT.withThreads(task -> {
      Thread thread = Thread.ofVirtual().unstarted(task);
      handlerThread.complete(thread);
      return thread;
    });
  }

  private ServerCall.Listener<Message> startUnary() throws Exception {
    ServerMethodDefinition<Message, Message> definition = BlockingServerCalls.unary(UNARY,
        (request, call) -> {
          handled.incrementAndGet();
          return msg("echo " + request.getText());
        }, options());
    fake.method = definition.getMethodDescriptor();
    fake.ready = true;
    return definition.getServerCallHandler().startCall(fake, new Metadata());
  }

  private Thread handler() throws Exception {
    return handlerThread.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aUnaryHandlerStartsAtTheHalfClose() throws Exception {
    ServerCall.Listener<Message> listener = startUnary();
    listener.onMessage(msg("hi"));
    assertThat(handler().getState()).as("the handler's thread with the request alone")
        .isEqualTo(Thread.State.NEW);

    listener.onHalfClose();
    handler().join(TestServer.PATIENCE);
    assertThat(fake.messages).containsExactly(msg("echo hi"));
    assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void aSecondRequestStartsTheUnaryHandlerWhichRejectsIt() throws Exception {
    ServerCall.Listener<Message> listener = startUnary();
    listener.onMessage(msg("one"));
    listener.onMessage(msg("two")); // no half-close: grpc asked for two, and delivers no more
    handler().join(TestServer.PATIENCE);
    assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(fake.closedWith.getDescription()).isEqualTo("Too many requests");
    assertThat(handled).hasValue(0);
  }

  @Test
  void aUnaryCallCancelledBeforeItsHalfCloseRunsNoHandler() throws Exception {
    ServerCall.Listener<Message> listener = startUnary();
    listener.onMessage(msg("hi"));
    listener.onCancel();
    assertThat(handler().getState()).isEqualTo(Thread.State.NEW);
    assertThat(fake.closes).as("grpc ended the call: nothing to close").isZero();
    assertThat(handled).hasValue(0);
  }

  @Test
  void aBidiHandlerStartsWithTheCall() throws Exception {
    ServerMethodDefinition<Message, Message> definition = BlockingServerCalls.bidiStreaming(BIDI,
        stream -> {
          handled.incrementAndGet();
          stream.recv();
        }, options());
    fake.method = definition.getMethodDescriptor();
    ServerCall.Listener<Message> listener =
        definition.getServerCallHandler().startCall(fake, new Metadata());
    awaitUntil("the bidi handler runs before any message", () -> handled.get() == 1);
    listener.onHalfClose();
    handler().join(TestServer.PATIENCE);
    assertThat(fake.closedWith.getCode()).isEqualTo(Status.Code.OK);
  }
}
