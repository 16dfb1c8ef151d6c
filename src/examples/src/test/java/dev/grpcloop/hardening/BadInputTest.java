package dev.grpcloop.hardening;

import static dev.grpcloop.hardening.TestService.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile or broken input: each gets a clean status (or, below gRPC, a closed connection), the
 * handler involved ends, and the server goes on serving other calls.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BadInputTest {
  static final Duration WAIT = Duration.ofSeconds(5);
  static final int TOO_BIG_ROUNDS = 20;

  private final RecordingEcho echo = new RecordingEcho();

  /** Sends and receives raw bytes: the client side does not parse or check anything. */
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static MethodDescriptor<byte[], byte[]> rawBidi(String fullMethodName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  @Test
  void aBodyThatIsNotProtobufGetsACleanStatusAndTheServerServesTheNextCall() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)))) {
      ManagedChannel channel = harness.newChannel();
      // Field 1, length-delimited, length 5, but only one byte follows: a truncated message.
      byte[] notProtobuf = {0x0A, 0x05, 'a'};

      // No half-close: the client keeps the stream open, as a live client would.
      StatusException failure = rawCallFails(channel,
          EchoServiceGrpc.getEchoStreamMethod().getFullMethodName(), notProtobuf, false);

      assertThat(failure.getStatus().getCode()).isIn(Status.Code.INTERNAL, Status.Code.UNKNOWN);
      // grpc closed the call itself; the handler waiting in recv() must hear of it and end, not
      // stay parked forever.
      RecordingEcho.Ending ending = echo.awaitEnding(CallRecorder.UNTAGGED, WAIT);
      assertThat(ending.where()).isEqualTo("recv");
      assertThat(ending.statusCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(harness.threads.awaitAllEnded(WAIT)).as("handler threads left").isEmpty();
      assertThat(harness.recorder.calls().getFirst().closes).hasValue(0);
      assertEchoWorks(channel);
    }
  }

  @Test
  void aMessageOverTheMaximumInboundSizeGetsResourceExhausted() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(EchoService.bindService(threads)),
        builder -> builder.maxInboundMessageSize(1024))) {
      ManagedChannel channel = harness.newChannel();
      try (ClientStream<Message, Message> neighbour =
          EchoClients.open(channel, "neighbour", CallOptions.DEFAULT)) {
        // Repeated: the status the client gets once depended on a race with the handler's close.
        for (int i = 0; i < TOO_BIG_ROUNDS; i++) {
          String id = "big" + i;
          StatusException failure = catchThrowableOfType(StatusException.class, () -> {
            try (ClientStream<Message, Message> stream =
                EchoClients.open(channel, id, CallOptions.DEFAULT)) {
              stream.send(EchoClients.big(2048));
              stream.recv();
            }
          });
          assertThat(failure).as(id).isNotNull();
          assertThat(failure.getStatus().getCode()).as(id)
              .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          // The neighbour on the same connection is untouched.
          assertThat(neighbour.send(text("n" + i))).isTrue();
          assertThat(neighbour.recv().getText()).isEqualTo("n" + i);
        }
        neighbour.closeSend();
        assertThat(neighbour.recv()).isNull();
      }
      assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
      assertThat(harness.recorder.calls()).allSatisfy(c -> assertThat(c.closes).hasValueBetween(0, 1));
      assertEchoWorks(channel);
    }
  }

  @Test
  void anUnknownMethodGetsUnimplemented() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(EchoService.bindService(threads)))) {
      ManagedChannel channel = harness.newChannel();
      byte[] hello = text("hello").toByteArray();
      for (String method : List.of("echo.EchoService/NoSuchMethod", "no.Such/Service")) {
        StatusException failure = rawCallFails(channel, method, hello, true);
        assertThat(failure.getStatus().getCode()).as(method)
            .isEqualTo(Status.Code.UNIMPLEMENTED);
      }
      assertThat(harness.threads.made()).isZero();
      assertEchoWorks(channel);
    }
  }

  @Test
  void nonHttp2GarbageClosesOnlyThatConnection() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(EchoService.bindService(threads)))) {
      ManagedChannel channel = harness.newChannel();
      try (ClientStream<Message, Message> neighbour =
          EchoClients.open(channel, "neighbour", CallOptions.DEFAULT)) {
        assertThat(neighbour.send(text("before"))).isTrue();
        assertThat(neighbour.recv().getText()).isEqualTo("before");

        for (String garbage : List.of(
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\u0000\u0001 not a preface at all \u00ff")) {
          try (RawHttp2Client raw = garbageConnection(harness.port())) {
            raw.writeRaw(garbage.getBytes(StandardCharsets.ISO_8859_1));
            long bytes = CompletableFuture.supplyAsync(() -> readUntilClosed(raw))
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            System.out.printf("garbage connection closed by the server after %d bytes%n", bytes);
          }
        }

        assertThat(neighbour.send(text("after"))).isTrue();
        assertThat(neighbour.recv().getText()).isEqualTo("after");
        neighbour.closeSend();
        assertThat(neighbour.recv()).isNull();
      }
      assertEchoWorks(channel);
      assertThat(harness.threads.awaitAllEnded(WAIT)).isEmpty();
    }
  }

  /** A plain socket, no HTTP/2 preface sent yet: {@link RawHttp2Client} minus the preface. */
  private static RawHttp2Client garbageConnection(int port) throws IOException {
    return RawHttp2Client.withoutPreface(port);
  }

  private static long readUntilClosed(RawHttp2Client raw) {
    try {
      return raw.readUntilClosed();
    } catch (IOException e) {
      // A reset is a close too.
      return -1;
    }
  }

  /**
   * Sends {@code body} on a raw bytes call, half-closes if told to, and returns the status the call
   * fails with.
   */
  private static StatusException rawCallFails(
      ManagedChannel channel, String method, byte[] body, boolean halfClose) throws Exception {
    StatusException failure = catchThrowableOfType(StatusException.class, () -> {
      try (ClientStream<byte[], byte[]> stream =
          BlockingClientCalls.bidiStreaming(channel, rawBidi(method))) {
        stream.send(body);
        if (halfClose) {
          stream.closeSend();
        }
        while (stream.recv() != null) {
          // drain; the call must end with an error
        }
      }
    });
    assertThat(failure).as(method + " must fail").isNotNull();
    System.out.printf("bad input on %s: %s%n", method, failure.getStatus());
    return failure;
  }

  /** The server still serves: a fresh echo call on the same channel round-trips. */
  private static void assertEchoWorks(ManagedChannel channel) throws Exception {
    try (ClientStream<Message, Message> stream =
        EchoClients.open(channel, "after-" + System.nanoTime(), CallOptions.DEFAULT)) {
      assertThat(stream.send(text("still there?"))).isTrue();
      assertThat(stream.recv().getText()).isEqualTo("still there?");
      stream.closeSend();
      assertThat(stream.recv()).isNull();
    }
  }
}
