package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A message that cannot be serialized, with a marshaller that fails lazily, as protobuf's would:
 * its {@code stream()} returns at once, and the stream throws only when it is read, by grpc's
 * framer inside {@code sendMessage} on Netty, by the receiving side's parser in-process. On a
 * server the handler gets INTERNAL; on a client the call ends with the status grpc gives it.
 */
@Timeout(60)
class UnserializableMessageTest {

  private static final MethodDescriptor.Marshaller<Message> PROTO = BIDI.getRequestMarshaller();

  /** Serializes every message but "poison", whose stream throws when it is read. */
  private static final MethodDescriptor.Marshaller<Message> LAZILY_FAILING =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Message value) {
          return value.getText().equals("poison")
              ? new PoisonStream(value.getSerializedSize()) : PROTO.stream(value);
        }

        @Override
        public Message parse(InputStream stream) {
          return PROTO.parse(stream);
        }
      };

  /** Knows its length, as protobuf's stream does, and fails when read. */
  private static final class PoisonStream extends InputStream implements KnownLength {
    private final int size;

    PoisonStream(int size) {
      this.size = size;
    }

    @Override
    public int available() {
      return size;
    }

    @Override
    public int read() {
      throw new IllegalStateException("cannot serialize poison");
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      return read();
    }
  }

  private final HandlerThreads threads = new HandlerThreads();

  /**
   * The handler learns of it as INTERNAL, with the marshaller's exception as the cause: from that
   * send where grpc reads the message inside it (Netty), else from the first send or recv after
   * the client read it (in-process). The client sees CANCELLED: grpc resets the stream.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aResponseThatFailsWhenReadFailsTheCallWithInternal(Transport transport) throws Exception {
    assertPoisonFailsTheCallWithInternal(transport, stream -> stream.send(msg("poison")));
  }

  /**
   * The same when the response is sent by a thread of the application's own, outside the call's
   * Context (a plain {@code new Thread}, which inherits no Context): the call is told whichever
   * thread sends.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aResponseSentOutsideTheCallsContextThatFailsWhenReadFailsTheCallWithInternal(
      Transport transport) throws Exception {
    assertPoisonFailsTheCallWithInternal(transport, stream -> {
      FutureTask<Void> send = new FutureTask<>(() -> {
        stream.send(msg("poison"));
        return null;
      });
      new Thread(send).start();
      try {
        await(send);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof StatusException status ? status : e;
      }
    });
  }

  /** How a handler sends the poison. */
  private interface PoisonSend {
    void send(ServerStream<Message, Message> stream) throws Exception;
  }

  private void assertPoisonFailsTheCallWithInternal(Transport transport, PoisonSend poisonSend)
      throws Exception {
    MethodDescriptor<Message, Message> poisonable = BIDI.toBuilder(PROTO, LAZILY_FAILING).build();
    CompletableFuture<List<Object>> seen = new CompletableFuture<>();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(poisonable, stream -> {
      List<Object> outcomes = new ArrayList<>();
      try {
        stream.send(msg("fine"));
        try {
          poisonSend.send(stream);
          outcomes.add("the poison send returned");
          stream.recv(); // waits until the call hears of it
          outcomes.add("recv returned");
        } catch (StatusException e) {
          outcomes.add(e);
        }
        outcomes.add(stream.isCancelled());
      } finally {
        seen.complete(outcomes);
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler))) {
      RawCall call = RawCall.start(server.channel(), BIDI);
      call.request(10);
      Status clientSaw = call.awaitStatus();

      List<Object> outcomes = await(seen);
      System.out.println("UnserializableMessageTest " + transport + ": handler " + outcomes
          + ", client " + clientSaw);
      if (transport != Transport.IN_PROCESS) {
        assertThat(outcomes.get(0)).as("the poison send's outcome, then isCancelled")
            .isInstanceOf(StatusException.class);
      }
      StatusException failed = (StatusException) outcomes.stream()
          .filter(StatusException.class::isInstance).findFirst()
          .orElseThrow(() -> new AssertionError("no StatusException: " + outcomes));
      assertThat(failed.getStatus().getCode()).as("%s", failed.getStatus())
          .isEqualTo(Status.Code.INTERNAL);
      assertThat(failed.getStatus().getDescription())
          .isEqualTo("the response could not be serialized");
      assertThat(failed.getStatus().getCause()).as("the cause")
          .hasMessage("cannot serialize poison");
      assertThat(outcomes.get(outcomes.size() - 1)).as("isCancelled() after").isEqualTo(true);
      assertThat(clientSaw.getCode()).as("the client's status: %s", clientSaw)
          .isEqualTo(Status.Code.CANCELLED);
      threads.assertAllEnded();
    }
  }

  /**
   * A client's send hands the request to grpc and returns true; grpc then ends the call, and
   * recv throws its status: CANCELLED where this side serializes the request (Netty: "Failed to
   * stream message", the marshaller's exception in its causes), the server's status where the
   * server reads it (in-process: UNKNOWN). Sends after that return false.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aRequestThatFailsWhenReadEndsTheCallWithGrpcsStatus(Transport transport)
      throws Exception {
    MethodDescriptor<Message, Message> poisonable = BIDI.toBuilder(LAZILY_FAILING, PROTO).build();
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      while (stream.recv() != null) {
        // takes what comes until the call ends
      }
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), poisonable)) {
      assertThat(stream.send(msg("fine"))).isTrue();
      assertThat(stream.send(msg("poison"))).as("the poison send hands it over").isTrue();
      StatusException failed = catchThrowableOfType(StatusException.class, stream::recv);
      System.out.println("UnserializableMessageTest " + transport + ": client recv " + failed);
      assertThat(failed).as("recv's outcome").isNotNull();
      if (transport == Transport.IN_PROCESS) {
        assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
      } else {
        assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
        assertThat(failed.getStatus().getDescription()).isEqualTo("Failed to stream message");
        assertThat(failed).hasRootCauseMessage("cannot serialize poison");
      }
      assertThat(stream.send(msg("after"))).as("a send once the call ended").isFalse();
      // On Netty grpc may cancel the stream before its headers are written: no handler then.
      threads.assertNoneAlive();
    }
  }
}
