package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review 5: trailers() is documented as "until the call ends". The server sends n responses and
 * ends OK; the client asks for the trailers before it receives. With more responses than the
 * inbox's 64 messages, grpc holds onClose back until the client takes them, and trailers()
 * waits for good (no deadline here), although the server has finished.
 */
@Timeout(60)
class Review5TrailersBeforeRecvTest {

  @ParameterizedTest
  @ValueSource(ints = {10, 100})
  void trailersBeforeRecv(int responses) throws Exception {
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, stream) -> {
      for (int i = 0; i < responses; i++) {
        stream.send(msg(i));
      }
    }, Thread.ofVirtual().factory());
    try (TestServer server = TestServer.start(Transport.IN_PROCESS, service);
        ClientRecvStream<Message> call = BlockingClientCalls.serverStreaming(server.channel(),
            SERVER_STREAMING, msg(0))) {
      CompletableFuture<Object> trailers = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> {
        try {
          trailers.complete(call.trailers());
        } catch (Throwable t) {
          trailers.complete(t);
        }
      });
      assertThat(trailers.get(5, TimeUnit.SECONDS)).isInstanceOf(io.grpc.Metadata.class);
    }
  }
}
