package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's event-loop server, as it is printed there: the one call, and the stop order. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeExampleTest {

  @Test
  void theReadmesServerEchoesOnTheLoopsAndItsStopEndsThem() throws Exception {
    // snippet:event-loop-start
    NettyServerBuilder builder = NettyServerBuilder.forPort(0);
    EventLoopHandlers loops = EventLoopHandlers.configure(builder);      // the one call
    builder.addService(EchoServiceLoop.bindService(new EchoService(), loops.options()));
    Server server = builder.build().start();
    // end-snippet
    try {
      assertThat(loops.handlersOnEventLoops()).as("handlers on the event loops").isTrue();
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
      try (ClientStream<Message, Message> stream = EchoServiceLoop.newStub(channel).echoStream()) {
        assertThat(stream.send(Message.newBuilder().setText("hello").build())).isTrue();
        assertThat(stream.recv().getText()).isEqualTo("hello");
        stream.closeSend();
        assertThat(stream.recv()).isNull();
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      // snippet:event-loop-stop
      server.shutdown();
      server.awaitTermination();
      loops.close();                                                        // after the server
      // end-snippet
    }
    assertThat(LoopServer.liveLoopThreads()).as("the mode's threads after close").isEmpty();
  }
}
