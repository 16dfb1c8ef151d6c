package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitWaitingIn;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client side: how a {@link ClientStream} ends, and how the server learns of it: close without
 * closeSend, a sender loop that returns or throws, a cancel, a deadline, and a send after
 * closeSend. The server is the adapter's own server side.
 */
@Timeout(60)
class ClientStreamEndTest {

  private final HandlerThreads threads = new HandlerThreads();

  /** Server handlers report how their recv loop ended: "end-of-stream" or a status code name. */
  private final CompletableFuture<String> serverEnd = new CompletableFuture<>();

  /** Echoes every message until the client's stream ends, and reports how it ended. */
  private ServerMethodDefinition<Message, Message> echo() {
    return BlockingServerCalls.bidiStreaming(BIDI, stream -> {
      try {
        for (Message m; (m = stream.recv()) != null; ) {
          stream.send(m);
        }
        serverEnd.complete("end-of-stream");
      } catch (StatusException e) {
        serverEnd.complete(e.getStatus().getCode().name());
        throw e;
      }
    }, threads.options());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void closeWithoutCloseSendReachesTheServerAsTheEnd(Transport transport) throws Exception {
    try (TestServer server = TestServer.start(transport, service(echo()))) {
      ClientStream<Message, Message> stream =
          BlockingClientCalls.bidiStreaming(server.channel(), BIDI);
      assertThat(stream.send(msg("one"))).isTrue();
      assertThat(stream.recv().getText()).isEqualTo("one"); // the server handler is running

      stream.close();

      assertThat(await(serverEnd)).isIn("end-of-stream", "CANCELLED");
      threads.assertAllEnded();
      // A close reads as a cancel on this side too.
      assertThat(stream.send(msg("two"))).isFalse();
      assertThat(catchThrowableOfType(StatusException.class, stream::recv).getStatus().getCode())
          .isEqualTo(Status.Code.CANCELLED);
      stream.close(); // again: does nothing
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void senderThatThrowsCancelsTheCallAndRecvThrowsCancelledWithItsCause(Transport transport)
      throws Exception {
    IOException broken = new IOException("the sender broke");
    try (TestServer server = TestServer.start(transport, service(echo()));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      Thread sender = stream.startSender(() -> {
        stream.send(msg("one"));
        throw broken;
      });

      StatusException e = catchThrowableOfType(StatusException.class, () -> {
        for (Message m; (m = stream.recv()) != null; ) {
          assertThat(m.getText()).isEqualTo("one");
        }
      });

      assertThat(e).as("recv threw").isNotNull();
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
      assertThat(e.getCause()).isSameAs(broken);
      assertThat(await(serverEnd)).isEqualTo("CANCELLED");
      sender.join(PATIENCE);
      assertThat(sender.isAlive()).isFalse();
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void senderThatReturnsHalfCloses(Transport transport) throws Exception {
    try (TestServer server = TestServer.start(transport, service(echo()));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      Thread sender = stream.startSender(() -> {
        for (int i = 0; i < 3; i++) {
          stream.send(msg(i));
        }
      });

      assertThat(stream.recv().getText()).isEqualTo("m0");
      assertThat(stream.recv().getText()).isEqualTo("m1");
      assertThat(stream.recv().getText()).isEqualTo("m2");
      assertThat(stream.recv()).as("the call ended OK").isNull();
      assertThat(await(serverEnd)).isEqualTo("end-of-stream");
      sender.join(PATIENCE);
      assertThat(sender.isAlive()).isFalse();
      assertThatThrownBy(() -> stream.startSender(() -> { }))
          .isInstanceOf(IllegalStateException.class);
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendAfterCloseSendThrowsIllegalStateWhileTheCallRuns(Transport transport)
      throws Exception {
    CountDownLatch finish = new CountDownLatch(1);
    var handler = BlockingServerCalls.<Message, Message>bidiStreaming(BIDI, stream -> {
      assertThat(stream.recv()).isNull();
      finish.await(); // keeps the call running after the client's end
    }, threads.options());

    try (TestServer server = TestServer.start(transport, service(handler));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      stream.closeSend();

      assertThatThrownBy(() -> stream.send(msg("after closeSend")))
          .isInstanceOf(IllegalStateException.class);
      finish.countDown();
      assertThat(stream.recv()).isNull();
      threads.assertAllEnded();
    }
  }

  /** A misuse is reported the same way whatever the call's state: not as "the call is over". */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void sendAfterCloseSendThrowsIllegalStateOnceTheCallIsOver(Transport transport)
      throws Exception {
    try (TestServer server = TestServer.start(transport, service(echo()));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      stream.closeSend();
      assertThat(stream.recv()).as("the call ended OK").isNull();

      assertThatThrownBy(() -> stream.send(msg("after closeSend")))
          .isInstanceOf(IllegalStateException.class);
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelWakesABlockedRecvWithCancelled(Transport transport) throws Exception {
    try (TestServer server = TestServer.start(transport, service(echo()));
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      CompletableFuture<Throwable> recvOutcome = new CompletableFuture<>();
      Thread receiver = Thread.ofVirtual().start(() -> {
        try {
          recvOutcome.complete(new AssertionError("recv returned " + stream.recv()));
        } catch (Throwable t) {
          recvOutcome.complete(t);
        }
      });
      awaitWaitingIn(receiver, "recv");

      stream.cancel("the test cancels", null);

      Throwable thrown = await(recvOutcome);
      assertThat(thrown).isInstanceOf(StatusException.class);
      assertThat(((StatusException) thrown).getStatus().getCode())
          .isEqualTo(Status.Code.CANCELLED);
      assertThat(((StatusException) thrown).getStatus().getDescription())
          .isEqualTo("the test cancels");
      assertThat(stream.send(msg("after the cancel"))).isFalse();
      assertThat(await(serverEnd)).isEqualTo("CANCELLED");
      threads.assertAllEnded();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void deadlineGivesDeadlineExceeded(Transport transport) throws Exception {
    try (TestServer server = TestServer.start(transport, service(echo()));
        ClientStream<Message, Message> stream = BlockingClientCalls.bidiStreaming(
            server.channel(), BIDI, CallOptions.DEFAULT.withDeadlineAfter(300, MILLISECONDS),
            new Metadata())) {
      StatusException e = catchThrowableOfType(StatusException.class, stream::recv);

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(stream.send(msg("too late"))).isFalse();
      // The server may learn of it as either: see ServerCancellationTest.
      assertThat(await(serverEnd)).isIn("DEADLINE_EXCEEDED", "CANCELLED");
      threads.assertAllEnded();
    }
  }
}
