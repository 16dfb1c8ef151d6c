package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.StatusException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The edges of a client's close(): a second close, a cancel that throws, a forked Context. */
@Timeout(60)
class ClientCloseEdgesTest {

  /** A client interceptor whose call's first cancel throws (before passing it on). */
  private static final ClientInterceptor CANCEL_THROWS_ONCE = new ClientInterceptor() {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        private boolean thrown;

        @Override
        public void cancel(String message, Throwable cause) {
          if (!thrown) {
            thrown = true;
            throw new IllegalStateException("interceptor fails in cancel");
          }
          super.cancel(message, cause);
        }
      };
    }
  };

  /**
   * close(): "Calling it again does nothing." A startSender loop that was interrupted by the first
   * close() and is now cleaning up must not be interrupted again by a second close().
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aSecondCloseDoesNotInterruptTheSenderAgain(Transport transport) throws Exception {
    var service = Bind.bidi(BIDI, stream -> {
      while (stream.recv() != null) {
        // drain
      }
    });
    try (TestServer server = TestServer.start(transport, service)) {
      ClientStream<Message, Message> call =
          BlockingClientCalls.bidiStreaming(server.channel(), BIDI);
      CountDownLatch never = new CountDownLatch(1);
      CountDownLatch firstInterrupt = new CountDownLatch(1);
      CountDownLatch cleanup = new CountDownLatch(1);
      CompletableFuture<String> cleanupOutcome = new CompletableFuture<>();
      Thread sender = call.startSender(() -> {
        try {
          never.await();
        } catch (InterruptedException first) {
          firstInterrupt.countDown();
        }
        try {
          cleanup.await(); // the loop's own cleanup after the call was closed
          cleanupOutcome.complete("cleaned up");
        } catch (InterruptedException second) {
          cleanupOutcome.complete("interrupted again by the second close()");
        }
      });
      call.close();
      assertThat(firstInterrupt.await(20, TimeUnit.SECONDS)).isTrue();
      call.close(); // "Calling it again does nothing."
      cleanup.countDown();
      assertThat(cleanupOutcome.get(20, TimeUnit.SECONDS)).isEqualTo("cleaned up");
      sender.join(TestServer.PATIENCE);
    }
  }

  /**
   * A client interceptor whose cancel throws once: close() fails the call here, then grpc's
   * cancel throws (to the caller). A later close() tries grpc's cancel again, so the server hears
   * of the end.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCancelThatThrowsIsTriedAgainByTheNextClose(Transport transport) throws Exception {
    CompletableFuture<String> serverOutcome = new CompletableFuture<>();
    var service = Bind.bidi(BIDI, stream -> {
      try {
        while (stream.recv() != null) {
          // drain
        }
        serverOutcome.complete("end-of-stream");
      } catch (StatusException e) {
        serverOutcome.complete(e.getStatus().getCode().toString());
      }
    });
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), CANCEL_THROWS_ONCE);
      ClientStream<Message, Message> call = BlockingClientCalls.bidiStreaming(channel, BIDI);
      assertThat(call.send(TestMethods.msg(1))).isTrue();
      String firstClose = closeOutcome(call);
      call.close(); // again: grpc's cancel would work now
      assertThat(serverOutcome.get(5, TimeUnit.SECONDS)).as("first close() " + firstClose)
          .isEqualTo("CANCELLED");
    }
  }

  /**
   * A close() whose grpc cancel throws (CANCEL_THROWS_ONCE) still interrupts a sender loop that
   * runs on, and still does not interrupt the sender when the sender itself is the one closing.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCloseWhoseCancelThrowsStillInterruptsTheSenderButNotItself(Transport transport)
      throws Exception {
    var service = Bind.bidi(BIDI, stream -> {
      while (stream.recv() != null) {
        // drain
      }
    });
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), CANCEL_THROWS_ONCE);
      ClientStream<Message, Message> call = BlockingClientCalls.bidiStreaming(channel, BIDI);
      CountDownLatch never = new CountDownLatch(1);
      CompletableFuture<String> senderOutcome = new CompletableFuture<>();
      Thread sender = call.startSender(() -> {
        try {
          senderOutcome.complete(never.await(20, TimeUnit.SECONDS) ? "released" : "timed out");
        } catch (InterruptedException e) {
          senderOutcome.complete("interrupted");
        }
      });
      TestServer.awaitUntil("the sender waits",
          () -> sender.getState() == Thread.State.TIMED_WAITING);
      assertThat(closeOutcome(call)).startsWith("threw");
      assertThat(senderOutcome.get(20, TimeUnit.SECONDS)).isEqualTo("interrupted");
      call.close();

      ClientStream<Message, Message> second = BlockingClientCalls.bidiStreaming(channel, BIDI);
      CompletableFuture<String> selfClose = new CompletableFuture<>();
      second.startSender(() -> {
        String closed = closeOutcome(second);
        selfClose.complete(closed + ", interrupted: " + Thread.currentThread().isInterrupted());
      });
      assertThat(selfClose.get(20, TimeUnit.SECONDS)).startsWith("threw")
          .endsWith("interrupted: false");
      second.close();
    }
  }

  private static String closeOutcome(ClientStream<Message, Message> call) {
    try {
      call.close();
      return "returned";
    } catch (RuntimeException e) {
      return "threw " + e;
    }
  }

  /**
   * grpc's call made in a fork of the caller's Context (ClientForkedContextTest's interceptor):
   * a cancel of the caller's Context fails the call here, recv throws at once, and grpc's call is
   * cancelled too, so that trailers() ("until the call ends") ends without a close().
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void trailersAfterTheContextsCancelWithAForkedGrpcCall(Transport transport) throws Exception {
    var service = Bind.bidi(BIDI, stream -> {
      while (stream.recv() != null) {
        // drain
      }
    });
    ClientInterceptor forks = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        io.grpc.Context previous = io.grpc.Context.current().fork().attach();
        try {
          return next.newCall(method, options);
        } finally {
          io.grpc.Context.current().detach(previous);
        }
      }
    };
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), forks);
      io.grpc.Context.CancellableContext context =
          io.grpc.Context.current().withCancellation();
      ClientStream<Message, Message> call =
          context.call(() -> BlockingClientCalls.bidiStreaming(channel, BIDI));
      assertThat(call.send(TestMethods.msg(1))).isTrue();
      context.cancel(null);
      CompletableFuture<Object> trailers = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          trailers.complete(call.trailers());
        } catch (Throwable t) {
          trailers.complete(t);
        }
      });
      try {
        org.assertj.core.api.Assertions.assertThatThrownBy(call::recv)
            .isInstanceOf(StatusException.class);
        assertThat(trailers.get(5, TimeUnit.SECONDS)).isNotNull();
      } finally {
        call.close();
      }
    }
  }
}
