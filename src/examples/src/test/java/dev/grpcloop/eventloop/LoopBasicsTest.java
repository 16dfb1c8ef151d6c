package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The mode's basic promise: handlers run on the carrier of the loop that serves their call. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopBasicsTest {

  @Test
  void handlerRunsOnTheCarrierOfItsLoop() throws Exception {
    try (LoopServer server = LoopServer.start(2, stream -> {
      for (Message m; (m = stream.recv()) != null; ) {
        String where = LoopServer.carrierName(Thread.currentThread());
        stream.send(LoopServer.message(m.getText() + "@" + where));
      }
    })) {
      assertThat(server.loops.handlersOnEventLoops()).isTrue();
      ManagedChannel channel = server.connect();
      try (ClientStream<Message, Message> stream = LoopServer.open(channel)) {
        for (int i = 0; i < 100; i++) {
          assertThat(LoopServer.ask(stream, "m" + i)).startsWith("m" + i + "@grpc-loop-carrier-");
        }
        stream.closeSend();
        assertThat(stream.recv()).isNull();
      }
      assertThat(server.awaitHandlersEnded(LoopServer.PATIENCE)).isEmpty();
    }
    assertThat(LoopServer.liveLoopThreads()).isEmpty();
  }
}
