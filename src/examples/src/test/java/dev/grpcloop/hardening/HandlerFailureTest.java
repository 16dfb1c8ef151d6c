package dev.grpcloop.hardening;

import static dev.grpcloop.hardening.TestService.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A handler that throws after sending part of its responses: its client gets those responses and
 * then the right status, and a neighbour call on the same connection goes on untouched.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HandlerFailureTest {
  static final Duration WAIT = Duration.ofSeconds(5);
  static final Metadata.Key<String> WHY = Metadata.Key.of("x-why", Metadata.ASCII_STRING_MARSHALLER);

  /** What the failing handlers throw, by method name. */
  private static Exception failure(String method) {
    return switch (method) {
      case "runtime" -> new IllegalArgumentException("a bug in the handler");
      case "checked" -> new java.io.IOException("a checked failure");
      case "status" -> {
        Metadata trailers = new Metadata();
        trailers.put(WHY, "out of stock");
        yield Status.FAILED_PRECONDITION.withDescription("no more").asException(trailers);
      }
      default -> throw new IllegalArgumentException(method);
    };
  }

  private static TestService failingService() {
    TestService service = new TestService();
    for (String method : List.of("runtime", "checked", "status", "error")) {
      service.bidi(method, stream -> {
        stream.recv();
        for (int i = 0; i < 3; i++) {
          stream.send(text("partial " + i));
        }
        if (method.equals("error")) {
          throw new AssertionError("an Error, not an Exception");
        }
        throw failure(method);
      });
    }
    return service;
  }

  @Test
  void partialResponsesThenTheRightStatusAndTheNeighbourIsUntouched() throws Exception {
    UncaughtRecorder uncaught = new UncaughtRecorder();
    try (Harness harness = new Harness(threads -> List.of(
        EchoService.bindService(threads), failingService().build(uncaught.on(threads))))) {
      ManagedChannel channel = harness.newChannel(); // one channel: one TCP connection
      try (ClientStream<Message, Message> neighbour =
          EchoClients.open(channel, "neighbour", CallOptions.DEFAULT)) {
        assertEchoes(neighbour, 0, 10);

        assertFailsAfterPartial(channel, "runtime", Status.Code.UNKNOWN);
        assertFailsAfterPartial(channel, "checked", Status.Code.UNKNOWN);
        assertFailsAfterPartial(channel, "error", Status.Code.UNKNOWN);
        StatusException status = assertFailsAfterPartial(
            channel, "status", Status.Code.FAILED_PRECONDITION);
        assertThat(status.getStatus().getDescription()).isEqualTo("no more");
        assertThat(status.getTrailers().get(WHY)).isEqualTo("out of stock");

        assertEchoes(neighbour, 10, 20);
        neighbour.closeSend();
        assertThat(neighbour.recv()).isNull();
      }
      assertThat(harness.recorder.awaitCall("neighbour", WAIT).awaitClose(WAIT).isOk()).isTrue();
      assertThat(harness.recorder.calls()).allSatisfy(c -> assertThat(c.closes).hasValue(1));
      assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
      // The Error went on past the adapter and ended its thread; the Exceptions did not.
      assertThat(uncaught.uncaught()).singleElement(InstanceOfAssertFactories.THROWABLE)
          .isInstanceOf(AssertionError.class).hasMessage("an Error, not an Exception");
    }
  }

  /** Calls the failing method: three responses, then the status, which is returned. */
  private static StatusException assertFailsAfterPartial(
      ManagedChannel channel, String method, Status.Code expected) throws Exception {
    List<String> received = new ArrayList<>();
    StatusException failure;
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(channel, TestService.method(method))) {
      stream.send(text("go"));
      failure = catchThrowableOfType(StatusException.class, () -> {
        for (Message m; (m = stream.recv()) != null; ) {
          received.add(m.getText());
        }
      });
    }
    assertThat(received).as(method).containsExactly("partial 0", "partial 1", "partial 2");
    assertThat(failure).as(method).isNotNull();
    assertThat(failure.getStatus().getCode()).as(method).isEqualTo(expected);
    if (expected == Status.Code.UNKNOWN) {
      // The handler's own message stays on the server.
      assertThat(failure.getStatus().getDescription())
          .isEqualTo("Application error processing RPC");
    }
    return failure;
  }

  private static void assertEchoes(ClientStream<Message, Message> stream, int from, int to)
      throws Exception {
    for (int i = from; i < to; i++) {
      assertThat(stream.send(text("n" + i))).isTrue();
      assertThat(stream.recv().getText()).isEqualTo("n" + i);
    }
  }
}
