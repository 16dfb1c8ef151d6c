package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.ERROR_TRAILER_KEY;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.metadata;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: how the way a handler ends becomes the call's status. gRPC statuses thrown as
 * StatusException or StatusRuntimeException reach the client intact, with their trailers, and are
 * not logged; anything else becomes UNKNOWN, its message stays on the server, and it is logged
 * there.
 */
@Timeout(60)
class ServerStatusTest {

  /** Held strongly here so that the logger, and the handler added to it, outlive the test. */
  private static final Logger ADAPTER_LOGGER =
      Logger.getLogger("dev.grpcloop.adapter.BlockingServerCalls");

  private static final String SECRET = "secret detail 4711";

  private final HandlerThreads threads = new HandlerThreads();
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      logged.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private boolean usedParentHandlers;

  @BeforeEach
  void captureAdapterLog() {
    ADAPTER_LOGGER.addHandler(capture);
    usedParentHandlers = ADAPTER_LOGGER.getUseParentHandlers();
    ADAPTER_LOGGER.setUseParentHandlers(false); // the failures below are on purpose
  }

  @AfterEach
  void releaseAdapterLog() {
    ADAPTER_LOGGER.removeHandler(capture);
    ADAPTER_LOGGER.setUseParentHandlers(usedParentHandlers);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void statusExceptionKeepsStatusDescriptionAndTrailers(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> {
      throw Status.FAILED_PRECONDITION.withDescription("the precondition failed")
          .asException(metadata(ERROR_TRAILER_KEY, "why"));
    }, threads.options());

    Ended ended = callOnce(transport, UNARY, handler);

    assertThat(ended.status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(ended.status.getDescription()).isEqualTo("the precondition failed");
    assertThat(ended.trailers.get(ERROR_TRAILER_KEY)).isEqualTo("why");
    assertThat(logged).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void statusRuntimeExceptionKeepsStatusDescriptionAndTrailers(Transport transport)
      throws Exception {
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING, (request, responses) -> {
      responses.send(msg("before the error"));
      throw Status.RESOURCE_EXHAUSTED.withDescription("out of quota")
          .asRuntimeException(metadata(ERROR_TRAILER_KEY, "quota"));
    }, threads.options());

    Ended ended = callOnce(transport, SERVER_STREAMING, handler);

    assertThat(ended.status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ended.status.getDescription()).isEqualTo("out of quota");
    assertThat(ended.trailers.get(ERROR_TRAILER_KEY)).isEqualTo("quota");
    assertThat(ended.messages).extracting(Message::getText).containsExactly("before the error");
    assertThat(logged).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void uncheckedExceptionBecomesUnknownWithoutItsMessageAndIsLogged(Transport transport)
      throws Exception {
    IllegalArgumentException failure = new IllegalArgumentException(SECRET);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      throw failure;
    }, threads.options());

    Ended ended = callOnce(transport, BIDI, handler);

    assertUnknownAndLogged(ended, failure);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void checkedExceptionBecomesUnknownWithoutItsMessageAndIsLogged(Transport transport)
      throws Exception {
    IOException failure = new IOException(SECRET);
    var handler = BlockingServerCalls.<Message, Message>clientStreaming(CLIENT_STREAMING, requests -> {
      throw failure;
    }, threads.options());

    Ended ended = callOnce(transport, CLIENT_STREAMING, handler);

    assertUnknownAndLogged(ended, failure);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void nullResponseBecomesUnknownNotAHang(Transport transport) throws Exception {
    var handler = BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> null, threads.options());

    Ended ended = callOnce(transport, UNARY, handler);

    assertThat(ended.status.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(logged).singleElement()
        .satisfies(r -> assertThat(r.getThrown()).isInstanceOf(NullPointerException.class));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void threadFactoryWithoutAThreadFailsTheCallNotHangsIt(Transport transport) throws Exception {
    ThreadFactory noThreads = task -> null;
    var handler =
        BlockingServerCalls.<Message, Message>unary(UNARY, (request, call) -> request,
            BlockingServerCalls.Options.DEFAULT.withThreads(noThreads));

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), UNARY);
      call.request(1);
      call.send(msg("request"));
      call.halfClose();

      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }
    assertThat(logged).singleElement()
        .satisfies(record -> assertThat(record.getLevel()).isEqualTo(Level.SEVERE));
  }

  private void assertUnknownAndLogged(Ended ended, Throwable failure) {
    assertThat(ended.status.getCode()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(String.valueOf(ended.status.getDescription())).doesNotContain(SECRET);
    assertThat(ended.status.getCause()).isNull(); // a client-side status never carries one
    assertThat(ended.trailers.toString()).doesNotContain(SECRET);
    assertThat(logged).singleElement().satisfies(record -> {
      assertThat(record.getLevel()).isEqualTo(Level.WARNING);
      assertThat(record.getThrown()).isSameAs(failure);
      assertThat(record.getMessage()).contains(TestMethods.SERVICE);
    });
  }

  /** What a plain client saw of one call that sent one request and half-closed. */
  private record Ended(Status status, Metadata trailers, List<Message> messages) {}

  private Ended callOnce(Transport transport, MethodDescriptor<Message, Message> method,
      ServerMethodDefinition<Message, Message> handler) throws Exception {
    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), method);
      call.request(Integer.MAX_VALUE);
      call.send(msg("request"));
      call.halfClose();
      Ended ended = new Ended(call.awaitStatus(), call.awaitTrailers(), call.messages());
      threads.assertAllEnded();
      return ended;
    }
  }
}
