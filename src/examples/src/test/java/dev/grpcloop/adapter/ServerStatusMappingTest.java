package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.ProtoUtils;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: how unusual ways for a handler to end reach grpc and the client: an interrupt, a
 * status wrapped in a cause chain, an Error, a response that cannot be marshalled.
 */
@Timeout(60)
class ServerStatusMappingTest {

  /** A handler throwing InterruptedException: ServerCall.close runs with the interrupt flag clear. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void closeAfterInterruptedExceptionRunsWithTheFlagClear(Transport transport) throws Exception {
    CallEvents events = new CallEvents();
    ServerServiceDefinition service = Bind.unary(UNARY, (request, call) -> {
      throw new InterruptedException("the handler was interrupted");
    });
    try (TestServer server = TestServer.start(transport, service, events)) {
      Status status = unaryStatus(server, UNARY);

      assertThat(status.getCode()).isEqualTo(Status.Code.UNKNOWN);
      assertThat(await(events.interruptedAtClose))
          .as("the handler thread's interrupt flag while it called ServerCall.close").isFalse();
    }
  }

  /** A StatusRuntimeException inside a CompletionException reaches the client as its status. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void statusWrappedInCompletionExceptionIsKept(Transport transport) throws Exception {
    assertThat(unaryFailingWith(transport,
        new CompletionException(Status.NOT_FOUND.asRuntimeException())).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  /** A StatusException inside an ExecutionException reaches the client as its status. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void statusWrappedInExecutionExceptionIsKept(Transport transport) throws Exception {
    assertThat(unaryFailingWith(transport,
        new ExecutionException(Status.NOT_FOUND.asException())).getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  /** A plain RuntimeException stays UNKNOWN, its message not sent to the client. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void plainRuntimeExceptionStaysUnknownAndSecret(Transport transport) throws Exception {
    Status status = unaryFailingWith(transport, new RuntimeException("secret"));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(String.valueOf(status.getDescription())).doesNotContain("secret");
  }

  /**
   * The search for a status along the cause chain looks at the thrown exception and 15 causes
   * below it, no further: a status 16 causes down is not found (the client gets UNKNOWN), one 15
   * down is.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void statusIsSearchedSixteenExceptionsDeep(Transport transport) throws Exception {
    assertThat(unaryFailingWith(transport, wrapped(Status.NOT_FOUND.asException(), 15)).getCode())
        .as("a status 15 causes down").isEqualTo(Status.Code.NOT_FOUND);
    assertThat(unaryFailingWith(transport, wrapped(Status.NOT_FOUND.asException(), 16)).getCode())
        .as("a status 16 causes down").isEqualTo(Status.Code.UNKNOWN);
  }

  /** A cause chain that loops ends the search: the call ends UNKNOWN, it does not hang. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void causeCycleEndsTheCallUnknown(Transport transport) throws Exception {
    RuntimeException first = new RuntimeException("first");
    RuntimeException second = new RuntimeException("second", first);
    first.initCause(second);
    assertThat(unaryFailingWith(transport, first).getCode()).isEqualTo(Status.Code.UNKNOWN);
  }

  /** {@code status} under {@code depth} RuntimeExceptions, each the cause of the one above. */
  private static Exception wrapped(Exception status, int depth) {
    Exception top = status;
    for (int i = 0; i < depth; i++) {
      top = new RuntimeException("wrapper " + i, top);
    }
    return top;
  }

  /** An Error from a handler: the client gets UNKNOWN promptly and the Error is reported. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void errorFromHandlerFailsTheCallAndIsReported(Transport transport) throws Exception {
    HandlerError boom = new HandlerError("boom");
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    ThreadFactory threads = task -> {
      Thread thread = TestServer.newHandlerThread(task);
      thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
      return thread;
    };
    ServerServiceDefinition service = Bind.unary(UNARY, (request, call) -> {
      throw boom;
    }, threads);
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service)) {
      RawCall call = startUnary(server, UNARY);

      CompletableFuture<Status> status = CompletableFuture.supplyAsync(() -> {
        try {
          return call.awaitStatus();
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      assertThat(status).succeedsWithin(Duration.ofSeconds(10))
          .extracting(Status::getCode).isEqualTo(Status.Code.UNKNOWN);
      TestServer.awaitUntil("the Error is reported (uncaught or logged)",
          () -> uncaught.contains(boom)
              || log.records().stream().map(LogRecord::getThrown).anyMatch(boom::equals));
    }
  }

  /** A response that fails to marshal fails the handler's send (or its next operation), not OK. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void responseMarshallerFailureFailsTheHandler(Transport transport) throws Exception {
    MethodDescriptor<Message, Message> poisoned = BIDI.toBuilder()
        .setFullMethodName(MethodDescriptor.generateFullMethodName(TestMethods.SERVICE, "Poison"))
        .setResponseMarshaller(new PoisonMarshaller())
        .build();
    CompletableFuture<String> handlerSaw = new CompletableFuture<>();
    ServerServiceDefinition service = Bind.bidi(poisoned, stream -> {
      stream.send(msg("fine"));
      try {
        stream.send(msg(PoisonMarshaller.POISON));
      } catch (StatusException e) {
        handlerSaw.complete("send threw " + e.getStatus().getCode());
        throw e;
      }
      try {
        Message next = stream.recv(); // the client sends nothing: this only ends with the call
        handlerSaw.complete("send returned; next recv returned " + next);
      } catch (StatusException e) {
        handlerSaw.complete("send returned; next recv threw " + e.getStatus().getCode());
        throw e;
      }
    });
    try (TestServer server = TestServer.start(transport, service)) {
      RawCall call = RawCall.start(server.channel(), poisoned);
      call.request(Integer.MAX_VALUE);
      call.send(msg("go"));

      assertThat(call.awaitStatus().getCode()).as("the client's status")
          .isNotEqualTo(Status.Code.OK);
      assertThat(await(handlerSaw)).containsAnyOf("send threw", "next recv threw");
    }
  }

  private static Status unaryFailingWith(Transport transport, Exception failure)
      throws Exception {
    ServerServiceDefinition service = Bind.unary(UNARY, (request, call) -> {
      throw failure;
    });
    try (TestServer server = TestServer.start(transport, service)) {
      return unaryStatus(server, UNARY);
    }
  }

  private static RawCall startUnary(TestServer server, MethodDescriptor<Message, Message> method) {
    RawCall call = RawCall.start(server.channel(), method);
    call.request(Integer.MAX_VALUE);
    call.send(msg("request"));
    call.halfClose();
    return call;
  }

  private static Status unaryStatus(TestServer server, MethodDescriptor<Message, Message> method)
      throws Exception {
    return startUnary(server, method).awaitStatus();
  }

  /** An Error of the test's own, so that no other failure can be taken for it. */
  private static final class HandlerError extends Error {
    private static final long serialVersionUID = 1L;

    HandlerError(String message) {
      super(message);
    }
  }

  /** The echo proto's marshaller, except that it cannot marshal a message saying {@link #POISON}. */
  private static final class PoisonMarshaller implements MethodDescriptor.Marshaller<Message> {
    static final String POISON = "poison";
    private final MethodDescriptor.Marshaller<Message> proto =
        ProtoUtils.marshaller(Message.getDefaultInstance());

    @Override
    public InputStream stream(Message value) {
      if (value.getText().equals(POISON)) {
        throw new IllegalStateException("this message cannot be marshalled");
      }
      return proto.stream(value);
    }

    @Override
    public Message parse(InputStream stream) {
      return proto.parse(stream);
    }
  }
}
