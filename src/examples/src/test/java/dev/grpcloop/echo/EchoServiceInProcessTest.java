package dev.grpcloop.echo;

// snippet:testing-imports
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
// end-snippet

/**
 * How to test a generated blocking service, as {@code docs/testing.md} prints it: {@link
 * EchoService} on an in-process server, called through the generated stub; an ordinary call, a
 * cancel and a deadline, each of the last two ending the service's handler.
 */
// snippet:testing-setup
@Timeout(30) // a test that hangs fails instead
class EchoServiceInProcessTest {
  /** Each call's handler thread, in the order the calls started. */
  private final BlockingQueue<Thread> handlers = new LinkedBlockingQueue<>();
  private Server server;
  private ManagedChannel channel;
  private EchoServiceLoop.Stub echo;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName(); // unique: tests may run in parallel
    ThreadFactory threads = task -> {
      Thread handler = Thread.ofVirtual().unstarted(task);
      handlers.add(handler);
      return handler;
    };
    server = InProcessServerBuilder.forName(name)
        .directExecutor() // the adapter's callbacks never block
        .addService(EchoServiceLoop.bindService(new EchoService(),
            BlockingServerCalls.Options.DEFAULT.withThreads(threads)))
        .build()
        .start();
    channel = InProcessChannelBuilder.forName(name).build();
    echo = EchoServiceLoop.newStub(channel);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
  // end-snippet

  // snippet:testing-call
  @Test
  void echoesWhatItReceivesThenEndsWhenTheClientDoes() throws Exception {
    try (ClientStream<Message, Message> stream = echo.echoStream()) {
      stream.send(Message.newBuilder().setText("hello").build());
      assertEquals("hello", stream.recv().getText());
      stream.closeSend();
      assertNull(stream.recv()); // end-of-stream: the handler returned
    }
  }
  // end-snippet

  // snippet:testing-cancel
  @Test
  void aCancelEndsTheHandler() throws Exception {
    try (ClientStream<Message, Message> stream = echo.echoStream()) {
      stream.send(Message.newBuilder().setText("hello").build());
      assertEquals("hello", stream.recv().getText()); // the handler is in its loop
      stream.cancel("the test gives up", null);
      StatusException e = assertThrows(StatusException.class, stream::recv);
      assertEquals(Status.Code.CANCELLED, e.getStatus().getCode());
    }
    assertHandlerEnds();
  }
  // end-snippet

  // snippet:testing-deadline
  @Test
  void aDeadlineEndsACallTheClientNeverCloses() throws Exception {
    try (ClientStream<Message, Message> stream =
        echo.withDeadlineAfter(500, TimeUnit.MILLISECONDS).echoStream()) {
      stream.send(Message.newBuilder().setText("hello").build());
      assertEquals("hello", stream.recv().getText());
      // No closeSend: the handler waits in recv until the deadline ends the call.
      StatusException e = assertThrows(StatusException.class, stream::recv);
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    }
    assertHandlerEnds();
  }

  /** The one call's handler thread ends: its recv threw, and it did not swallow that. */
  private void assertHandlerEnds() throws InterruptedException {
    Thread handler = handlers.poll(5, TimeUnit.SECONDS);
    assertNotNull(handler, "the call's handler thread");
    assertTrue(handler.join(Duration.ofSeconds(5)), "the handler ends with its call");
  }
  // end-snippet
}
