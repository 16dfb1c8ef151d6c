package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tests' handler threads are what their transport says: in the event-loop mode each handler
 * runs on a carrier of the mode's loops (so that every adapter test there really runs its handler
 * on the loop), elsewhere on the JDK's default scheduler.
 */
@Timeout(30)
class TransportThreadsTest {

  @ParameterizedTest
  @EnumSource(Transport.class)
  void handlersRunOnTheLoopOnlyInTheEventLoopMode(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    BlockingServerCalls.BidiStreamingHandler<Message, Message> where = stream -> {
      for (Message m; (m = stream.recv()) != null; ) {
        stream.send(msg(carrierOf(Thread.currentThread())));
      }
    };
    var handler = BlockingServerCalls.bidiStreaming(BIDI, where, threads.options());
    var bound = Bind.bidi(BIDI, where);
    String expected = transport == Transport.NETTY_EVENT_LOOP ? "grpc-loop-carrier-" : "ForkJoinPool";
    for (var service : List.of(service(handler), bound)) {
      try (TestServer server = TestServer.start(transport, service);
          ClientStream<Message, Message> stream =
              BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
        for (int i = 0; i < 3; i++) { // after each wake-up, too
          assertThat(stream.send(msg("where"))).isTrue();
          assertThat(stream.recv().getText()).startsWith(expected);
        }
        stream.closeSend();
        assertThat(stream.recv()).isNull();
      }
    }
    threads.assertAllEnded();
  }

  /** The platform thread carrying {@code thread} ({@code VirtualThread[#22,name]/runnable@c}). */
  private static String carrierOf(Thread thread) {
    String s = thread.toString();
    return s.substring(s.lastIndexOf('@') + 1);
  }
}
