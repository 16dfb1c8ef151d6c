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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's event-loop server and client, as they are printed there: the one call, and the stop
 * order.
 */
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

  @Test
  void theReadmesClientCallsFromTheLoopAndItsStopEndsIt() throws Exception {
    Server server = NettyServerBuilder.forPort(0)
        .addService(EchoServiceLoop.bindService(new EchoService()))
        .build()
        .start();
    int port = server.getPort();
    try {
      // snippet:event-loop-callers
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress("localhost", port).usePlaintext();
      EventLoopCallers callers = EventLoopCallers.configure(builder);      // the one call
      ManagedChannel channel = builder.build();
      String reply;
      try (ExecutorService onTheLoop = Executors.newThreadPerTaskExecutor(callers.threads())) {
        reply = onTheLoop.submit(() -> {                                    // a caller thread
          try (ClientStream<Message, Message> stream =
              EchoServiceLoop.newStub(channel).echoStream()) {
            stream.send(Message.newBuilder().setText("hello").build());
            return stream.closeAndRecv().getText();                        // its one echo
          }
        }).get();
      }
      channel.shutdown();
      channel.awaitTermination(10, TimeUnit.SECONDS);
      callers.close();                                                      // after the channel
      // end-snippet
      assertThat(reply).isEqualTo("hello");
      assertThat(callers.callersOnEventLoop()).as("callers on the event loop").isTrue();
      assertThat(channel.isTerminated()).isTrue();
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(LoopServer.liveLoopThreads()).as("the mode's threads after close").isEmpty();
  }
}
