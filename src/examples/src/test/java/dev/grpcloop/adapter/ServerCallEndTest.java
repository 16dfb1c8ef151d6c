package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.await;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.DeliveryCounter;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: a call the client cancelled is failed for the handler, whatever was buffered or
 * half-closed before the cancel (GRPC-TRAPS 19, 21): recv throws CANCELLED, never end-of-stream.
 */
@Timeout(120)
class ServerCallEndTest {

  /** A cancel after the half-close, with 5 messages still buffered, fails a client-streaming recv. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelAfterHalfCloseFailsClientStreamingRecv(Transport transport) throws Exception {
    CompletableFuture<String> nextRecv = new CompletableFuture<>();
    CountDownLatch tookFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ServerServiceDefinition service = Bind.clientStreaming(CLIENT_STREAMING, requests -> {
      requests.recv();
      tookFirst.countDown();
      release.await();
      nextRecv.complete(describeRecv(requests));
      return msg("done");
    });
    assertCancelAfterHalfCloseFailsRecv(
        transport, CLIENT_STREAMING, service, tookFirst, release, nextRecv);
  }

  /** The same for a bidi handler. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void cancelAfterHalfCloseFailsBidiRecv(Transport transport) throws Exception {
    CompletableFuture<String> nextRecv = new CompletableFuture<>();
    CountDownLatch tookFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ServerServiceDefinition service = Bind.bidi(BIDI, stream -> {
      stream.recv();
      tookFirst.countDown();
      release.await();
      nextRecv.complete(describeRecv(stream));
    });
    assertCancelAfterHalfCloseFailsRecv(transport, BIDI, service, tookFirst, release, nextRecv);
  }

  private static void assertCancelAfterHalfCloseFailsRecv(Transport transport,
      MethodDescriptor<Message, Message> method, ServerServiceDefinition service,
      CountDownLatch tookFirst, CountDownLatch release, CompletableFuture<String> nextRecv)
      throws Exception {
    DeliveryCounter deliveries = new DeliveryCounter();
    CallEvents events = new CallEvents();
    try (TestServer server = TestServer.start(transport, service, events, deliveries)) {
      RawCall call = RawCall.start(server.channel(), method);
      for (int i = 0; i < 6; i++) {
        call.send(msg(i));
      }
      call.halfClose();
      awaitUntil("6 messages delivered", () -> deliveries.delivered() == 6);
      await(events.halfClosed);
      assertThat(tookFirst.await(TestServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
          .as("the handler took the first message").isTrue();
      call.cancel("the test cancels after half-closing");
      await(events.cancelled);
      release.countDown();

      assertThat(await(nextRecv)).as("the handler's recv() after the cancel reached the server")
          .isEqualTo("StatusException CANCELLED");
    }
  }

  /** A client stream abandoned by an exception in try-with-resources reaches the server as a cancel. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void abandonedClientStreamIsCancelledNotEnded(Transport transport) throws Exception {
    int rounds = transport == Transport.IN_PROCESS ? 100 : 30;
    BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
    DeliveryCounter deliveries = new DeliveryCounter();
    ServerServiceDefinition service = Bind.clientStreaming(CLIENT_STREAMING, requests -> {
      String outcome;
      do {
        outcome = describeRecv(requests);
      } while (outcome.startsWith("message"));
      outcomes.add(outcome);
      return msg("done");
    });
    Map<String, Integer> seen = new TreeMap<>();
    try (TestServer server = TestServer.start(transport, service, deliveries)) {
      for (int round = 0; round < rounds; round++) {
        int deliveredBefore = deliveries.delivered();
        try (ClientSendStream<Message, Message> stream =
            BlockingClientCalls.clientStreaming(server.channel(), CLIENT_STREAMING)) {
          for (int i = 0; i < 3; i++) {
            stream.send(msg(i));
          }
          awaitUntil("3 messages delivered", () -> deliveries.delivered() == deliveredBefore + 3);
          throw new AbandonStream();
        } catch (AbandonStream expected) {
          // the stream was closed by try-with-resources while the exception propagated
        }
        String outcome = outcomes.poll(TestServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        seen.merge(String.valueOf(outcome), 1, Integer::sum);
      }
    }
    assertThat(seen).as("what the handler's recv() ended with, over %d abandoned streams", rounds)
        .isEqualTo(Map.of("StatusException CANCELLED", rounds));
  }

  /** What one recv() did: "message mN", "end-of-stream", or "StatusException CODE". */
  private static String describeRecv(ServerRecvStream<Message> requests) throws Exception {
    try {
      Message m = requests.recv();
      return m == null ? "end-of-stream" : "message " + m.getText();
    } catch (StatusException e) {
      return "StatusException " + e.getStatus().getCode();
    }
  }

  private static final class AbandonStream extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }
}
