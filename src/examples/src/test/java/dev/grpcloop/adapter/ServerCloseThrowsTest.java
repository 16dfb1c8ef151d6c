package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.DeliveryCounter;
import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import io.grpc.CallOptions;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: a close of grpc's call that throws (a server interceptor's) still ends the call for
 * the client, far below its deadline. A close that throws once is tried again with UNKNOWN. A
 * close that always throws cannot reach grpc: the adapter then fails grpc's next event of the
 * call, the client's next message or half-close, and grpc's ServerImpl closes the call itself,
 * below the interceptors, with UNKNOWN. A call that gets no such event (a unary call, whose client
 * has sent everything) ends only at its deadline or the client's cancel.
 */
@Timeout(120)
class ServerCloseThrowsTest {

  /** Far below the calls' deadlines here. */
  private static final Duration PROMPTLY = Duration.ofSeconds(10);

  /** A deadline far beyond {@link #PROMPTLY}, from now. */
  private static CallOptions longDeadline() {
    return CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatThrowsOnceStillEndsAUnaryCall(Transport transport) throws Exception {
    assertThrowingOnceEndsUnaryCall(transport, new ThrowingClose(1));
  }

  /** An interceptor's close that throws an Error (an assertion of its own) is retried too. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatThrowsAnErrorOnceStillEndsAUnaryCall(Transport transport) throws Exception {
    assertThrowingOnceEndsUnaryCall(transport, new ThrowingClose(1, false, true));
  }

  private static void assertThrowingOnceEndsUnaryCall(Transport transport,
      ThrowingClose throwsOnce) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    ServerServiceDefinition service = service(BlockingServerCalls.unary(UNARY,
        (request, call) -> msg("done"), threads.options()));
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service, throwsOnce)) {
      RawCall call = RawCall.start(server.channel(), UNARY, longDeadline(), new Metadata());
      call.send(msg("hi"));
      call.halfClose();
      call.request(2);

      Status status = call.awaitStatus(PROMPTLY);
      assertThat(status.getCode()).as("status %s", status).isEqualTo(Status.Code.UNKNOWN);
      assertThat(status.getDescription()).isEqualTo("Application error closing the call");
      assertThat(throwsOnce.asked).extracting(Status::getCode)
          .containsExactly(Status.Code.OK, Status.Code.UNKNOWN);
      threads.assertAllEnded();
      assertLogged(log, record -> {
        assertThat(record.getLevel()).isEqualTo(Level.WARNING);
        assertThat(record.getMessage()).contains("Closing the call failed");
        assertThat(record.getThrown()).hasMessage(ThrowingClose.FAILURE);
      });
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatThrowsOnceStillEndsAFailedBidiCall(Transport transport) throws Exception {
    ThrowingClose throwsOnce = new ThrowingClose(1);
    ServerServiceDefinition service = Bind.bidi(BIDI, stream -> {
      throw Status.ABORTED.withDescription("the handler failed").asException();
    });
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service, throwsOnce)) {
      RawCall call = RawCall.start(server.channel(), BIDI, longDeadline(), new Metadata());
      call.request(1);

      Status status = call.awaitStatus(PROMPTLY);
      assertThat(status.getCode()).as("status %s", status).isEqualTo(Status.Code.UNKNOWN);
      assertThat(throwsOnce.asked).extracting(Status::getCode)
          .containsExactly(Status.Code.ABORTED, Status.Code.UNKNOWN);
      assertLogged(log, record -> assertThat(record.getMessage())
          .contains("Closing the call failed"));
    }
  }

  /**
   * An interceptor's close that throws after passing the close on: the client has the status that
   * went out, and the second close, which grpc refuses, sends nothing more.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatThrowsAfterPassingItOnLeavesTheStatusThatWentOut(Transport transport)
      throws Exception {
    ThrowingClose throwsAfter = new ThrowingClose(Integer.MAX_VALUE, true, false);
    ServerServiceDefinition service = Bind.bidi(BIDI, stream -> {
      throw Status.ABORTED.withDescription("the handler failed").asException();
    });
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service, throwsAfter)) {
      RawCall call = RawCall.start(server.channel(), BIDI, longDeadline(), new Metadata());
      call.request(1);

      Status status = call.awaitStatus(PROMPTLY);
      assertThat(status.getCode()).as("status %s", status).isEqualTo(Status.Code.ABORTED);
      assertThat(status.getDescription()).isEqualTo("the handler failed");
      awaitUntil("both closes failed", () -> throwsAfter.asked.size() == 2);
      awaitUntil("the second failure is logged", () -> log.records().size() >= 2);
      assertThat(log.records()).as(log::describe).extracting(LogRecord::getLevel)
          .containsExactly(Level.WARNING, Level.SEVERE);
    }
  }

  /** The client half-closes after the handler finished: grpc's half-close event ends the call. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatAlwaysThrowsEndsABidiCallAtTheClientsHalfClose(Transport transport)
      throws Exception {
    assertAlwaysThrowingCloseEndsBidiCall(transport, RawCall::halfClose, false);
  }

  /** As above, with a close that throws an Error. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatAlwaysThrowsAnErrorEndsABidiCallAtTheClientsHalfClose(Transport transport)
      throws Exception {
    assertAlwaysThrowingCloseEndsBidiCall(transport, RawCall::halfClose, true);
  }

  /** The client sends once more after the handler finished: grpc's message event ends the call. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatAlwaysThrowsEndsABidiCallAtTheClientsNextMessage(Transport transport)
      throws Exception {
    assertAlwaysThrowingCloseEndsBidiCall(transport, call -> call.send(msg(1)), false);
  }

  /**
   * A bidi handler takes one message and returns; every close of grpc's call throws. Once both
   * closes failed, {@code clientActs}; the client then gets UNKNOWN, from grpc's ServerImpl.
   * {@code error}: the close throws an Error, else a RuntimeException.
   */
  private static void assertAlwaysThrowingCloseEndsBidiCall(Transport transport,
      Consumer<RawCall> clientActs, boolean error) throws Exception {
    ThrowingClose alwaysThrows = new ThrowingClose(Integer.MAX_VALUE, false, error);
    HandlerThreads threads = new HandlerThreads();
    ServerServiceDefinition service = Bind.bidi(BIDI, stream -> {
      stream.recv();
    }, threads);
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service, alwaysThrows)) {
      RawCall call = RawCall.start(server.channel(), BIDI, longDeadline(), new Metadata());
      call.request(1);
      call.send(msg(0));
      awaitUntil("both closes failed", () -> alwaysThrows.asked.size() == 2);
      threads.assertAllEnded();
      assertThat(call.isClosed()).as("the call ended before the client acted").isFalse();

      clientActs.accept(call);
      Status status = call.awaitStatus(PROMPTLY);
      assertThat(status.getCode()).as("status %s", status).isEqualTo(Status.Code.UNKNOWN);
      assertThat(status.getDescription()).isEqualTo("Application error processing RPC");
      assertThat(log.records()).as(log::describe)
          .anySatisfy(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.WARNING);
            assertThat(record.getMessage()).contains("Closing the call failed");
          })
          .anySatisfy(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.SEVERE);
            assertThat(record.getMessage()).contains("Closing the call failed again");
          });
    }
  }

  /**
   * As above, but the handler returns with its inbox full (Inbox.MAX_MESSAGES held, none asked
   * for): grpc would deliver neither the client's next message nor its half-close, unless the
   * adapter asks for one more once both closes failed.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseThatAlwaysThrowsEndsABidiCallWhoseInboxWasFull(Transport transport)
      throws Exception {
    ThrowingClose alwaysThrows = new ThrowingClose(Integer.MAX_VALUE);
    DeliveryCounter delivered = new DeliveryCounter();
    CountDownLatch full = new CountDownLatch(1);
    HandlerThreads threads = new HandlerThreads();
    ServerServiceDefinition service = Bind.bidi(BIDI, stream -> full.await(), threads);
    try (TestServer server = TestServer.start(transport, service, alwaysThrows, delivered)) {
      RawCall call = RawCall.start(server.channel(), BIDI, longDeadline(), new Metadata());
      for (int i = 0; i <= Inbox.MAX_MESSAGES; i++) {
        call.send(msg(i));
      }
      awaitUntil("the inbox is full", () -> delivered.delivered() == Inbox.MAX_MESSAGES);
      full.countDown();
      awaitUntil("both closes failed", () -> alwaysThrows.asked.size() == 2);
      threads.assertAllEnded();

      call.halfClose();
      Status status = call.awaitStatus(PROMPTLY);
      assertThat(status.getCode()).as("status %s", status).isEqualTo(Status.Code.UNKNOWN);
      assertThat(status.getDescription()).isEqualTo("Application error processing RPC");
    }
  }

  /**
   * The limit: a unary call whose close always throws, and whose client has sent everything, gets
   * no further event from grpc; it ends at its deadline (grpc's ServerImpl cancels it then too),
   * and its handler's thread has long ended.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aUnaryCallWhoseCloseAlwaysThrowsEndsAtItsDeadline(Transport transport) throws Exception {
    ThrowingClose alwaysThrows = new ThrowingClose(Integer.MAX_VALUE);
    HandlerThreads threads = new HandlerThreads();
    ServerServiceDefinition service = service(BlockingServerCalls.unary(UNARY,
        (request, call) -> msg("done"), threads.options()));
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service, alwaysThrows)) {
      RawCall call = RawCall.start(server.channel(), UNARY,
          CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), new Metadata());
      call.send(msg("hi"));
      call.halfClose();
      call.request(2);
      awaitUntil("both closes failed", () -> alwaysThrows.asked.size() == 2);
      threads.assertAllEnded();

      Status status = call.awaitStatus(PROMPTLY);
      assertThat(status.getCode()).as("status %s", status)
          .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(log.records()).as(log::describe).anySatisfy(record ->
          assertThat(record.getMessage()).contains("Closing the call failed again"));
    }
  }

  /** Asserts that exactly one record was logged, and that it satisfies {@code requirements}. */
  private static void assertLogged(CapturedLog log, Consumer<LogRecord> requirements) {
    assertThat(log.records()).as(log::describe).singleElement().satisfies(requirements::accept);
  }

  /**
   * A server interceptor whose call's close throws the first {@code failures} times, before
   * passing the close on, or after it ({@code afterPassingOn}), with an {@link AssertionError} if
   * {@code error}, else an {@link IllegalStateException}; it records the status of every close
   * asked of it.
   */
  private static final class ThrowingClose implements ServerInterceptor {
    static final String FAILURE = "the interceptor's close failed";

    final List<Status> asked = new CopyOnWriteArrayList<>();
    private final int failures;
    private final boolean afterPassingOn;
    private final boolean error;

    ThrowingClose(int failures) {
      this(failures, false, false);
    }

    ThrowingClose(int failures, boolean afterPassingOn, boolean error) {
      this.failures = failures;
      this.afterPassingOn = afterPassingOn;
      this.error = error;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return next.startCall(new SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          asked.add(status);
          if (afterPassingOn) {
            super.close(status, trailers);
          }
          if (asked.size() <= failures) {
            if (error) {
              throw new AssertionError(FAILURE);
            }
            throw new IllegalStateException(FAILURE);
          }
          if (!afterPassingOn) {
            super.close(status, trailers);
          }
        }
      }, headers);
    }
  }
}
