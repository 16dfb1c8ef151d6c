package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Channel;
import io.grpc.ServerServiceDefinition;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Nested calls: a handler streams from an inner call made in its own call's Context while the
 * outer client cancels. The server cancels the handler's Context on grpc's thread (the event loop
 * in that mode), where the inner call's Context listener runs. The handler must end with the inner
 * call failed by the Context (CANCELLED), every time, with no hang.
 */
@Timeout(240)
class NestedCallCancelTest {

  @ParameterizedTest
  @EnumSource(Transport.class)
  void anOuterCancelEndsTheInnerCallEveryTime(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    CompletableFuture<Channel> channel = new CompletableFuture<>();
    ConcurrentLinkedQueue<String> innerOutcomes = new ConcurrentLinkedQueue<>();
    ServerServiceDefinition service = ServerServiceDefinition.builder(TestMethods.SERVICE)
        .addMethod(BlockingServerCalls.serverStreaming(SERVER_STREAMING, (request, responses) -> {
          for (int i = 0; ; i++) {
            if (!Thread.currentThread().isVirtual()) {
              throw new AssertionError();
            }
            responses.send(msg(i));
          }
        }, threads.options()))
        .addMethod(BlockingServerCalls.bidiStreaming(BIDI, stream -> {
          try (ClientRecvStream<Message> inner = BlockingClientCalls.serverStreaming(
              channel.get(), SERVER_STREAMING, msg("in"))) {
            Outcomes.outcome(() -> {
              // Relayed outward until the outer cancel stops it: a send may throw it even for a
              // message the client got, if the cancel came back while grpc had the message.
              stream.send(msg("started"));
              for (;;) {
                Message m = inner.recv();
                if (m == null) {
                  return "end-of-stream";
                }
                stream.send(m);
              }
            });
            // However the relay ended, the outer cancel cancels this handler's Context, in which
            // the inner call was made: the inner call ends CANCELLED.
            innerOutcomes.add(Outcomes.outcome(() -> {
              while (inner.recv() != null) {
                // what the inner server sent before the cancel reached the call
              }
              return "end-of-stream";
            }));
          }
        }, threads.options()))
        .build();
    int rounds = 40;
    try (TestServer server = TestServer.start(transport, service)) {
      channel.complete(server.channel());
      for (int i = 0; i < rounds; i++) {
        try (ClientStream<Message, Message> outer =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
          assertThat(outer.recv().getText()).isEqualTo("started");
          for (int k = 0; k < i % 5; k++) {
            outer.recv();
          }
          outer.cancel("outer gives up", null);
        }
      }
      threads.assertAllEnded();
    }
    assertThat(innerOutcomes).hasSize(rounds)
        .allSatisfy(o -> assertThat(o).startsWith("StatusException CANCELLED"));
  }
}
