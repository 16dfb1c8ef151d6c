package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Metadata;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that cancels its call through its Context (this side's cancel) must not
 * read the call as a success. The server's handler does what the contract tells a handler to do
 * about a cancel it is not waiting in recv/send for: it watches the call's Context, and returns
 * once it is cancelled. "Nothing reads as success that was not": recv after the cancel must
 * throw, never return end-of-stream.
 */
@Timeout(120)
class ClientContextCancelRaceTest {

  private static final int CALLS = 300;

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aContextCancelNeverReadsAsSuccess(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    var service = Bind.bidi(BIDI, stream -> {
      CountDownLatch cancelled = new CountDownLatch(1);
      Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
      stream.send(msg(0));
      cancelled.await();
      // returns normally: the call is over anyway
    }, threads);
    Map<String, Integer> outcomes = new TreeMap<>();
    try (TestServer server = TestServer.start(transport, service)) {
      for (int i = 0; i < CALLS; i++) {
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        ClientStream<Message, Message> stream;
        try {
          stream = BlockingClientCalls.bidiStreaming(server.channel(), BIDI,
              CallOptions.DEFAULT, new Metadata());
        } finally {
          context.detach(previous);
        }
        try (stream) {
          assertThat(stream.recv()).isNotNull();
          context.cancel(null);
          String after = Outcomes.outcome(stream::recv);
          outcomes.merge(after, 1, Integer::sum);
        }
      }
      threads.assertAllEnded();
    }
    assertThat(outcomes).as("recv after this side's Context was cancelled, over %d calls", CALLS)
        .containsOnlyKeys("StatusException CANCELLED: io.grpc.Context was cancelled without error");
  }
}
