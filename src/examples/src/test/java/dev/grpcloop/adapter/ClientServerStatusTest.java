package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestServer.PATIENCE;
import static dev.grpcloop.adapter.TestServer.await;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client side: a status the server sent comes after every response it sent before it, whatever
 * its code, as with grpc's own {@code ClientCall} (GRPC-TRAPS 24). A server passes on a
 * downstream timeout as DEADLINE_EXCEEDED, or a downstream cancel as CANCELLED: that is its
 * answer, not this side giving up. Only this side's deadline (or cancel, or close) drops the
 * responses the call holds.
 */
@Timeout(60)
class ClientServerStatusTest {

  private static final int RESPONSES = 5;

  private final HandlerThreads threads = new HandlerThreads();

  /** Every transport, with each code that also means "this side gave up" when grpc makes it. */
  static Stream<Arguments> transportsAndCodes() {
    return Arrays.stream(Transport.values()).flatMap(transport -> Stream.of(
        Arguments.of(transport, Status.Code.DEADLINE_EXCEEDED),
        Arguments.of(transport, Status.Code.CANCELLED)));
  }

  /**
   * The server sends 5 responses, then fails with {@code code}. The client is slow: it holds each
   * response until the test releases it, and the test releases them only once the server's status
   * has reached the client (trailers() returned). It gets all 5, then the server's status.
   */
  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("transportsAndCodes")
  void aSlowClientGetsEveryResponseThenTheServersStatus(Transport transport, Status.Code code)
      throws Exception {
    Status downstream = Status.fromCode(code).withDescription("passed on from downstream");
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      for (int i = 0; i < RESPONSES; i++) {
        responses.send(msg(i));
      }
      throw downstream.asException();
    }, threads);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < RESPONSES; i++) {
      expected.add("m" + i);
    }
    expected.add(code + ": passed on from downstream");

    try (TestServer server = TestServer.start(transport, service)) {
      // grpc's own ClientCall, the reference: every response, then the server's status.
      RawCall raw = RawCall.start(server.channel(), SERVER_STREAMING);
      raw.send(msg("go"));
      raw.halfClose();
      raw.request(RESPONSES + 1);
      assertThat(raw.awaitStatus().getCode()).isEqualTo(code);
      assertThat(raw.messages()).hasSize(RESPONSES);

      // A deadline of this side that does not pass: grpc's deadline is armed, the status is
      // still the server's.
      try (ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
          server.channel(), SERVER_STREAMING,
          CallOptions.DEFAULT.withDeadlineAfter(PATIENCE.toMillis() * 2, MILLISECONDS),
          new Metadata(), msg("go"))) {
        CountDownLatch[] release = new CountDownLatch[RESPONSES + 1];
        Arrays.setAll(release, i -> new CountDownLatch(1));
        CompletableFuture<List<String>> received = new CompletableFuture<>();
        Thread.ofVirtual().name("slow-receiver").start(() -> {
          List<String> got = new ArrayList<>();
          try {
            for (Message m; (m = stream.recv()) != null; ) {
              got.add(m.getText());
              release[Math.min(got.size(), RESPONSES) - 1].await(); // busy with the response
            }
            got.add("end-of-stream");
          } catch (StatusException e) {
            got.add(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
          } catch (Throwable t) {
            got.add(t.toString());
          }
          received.complete(got);
        });

        // The whole call fits in the call's bounds, so grpc hands over every response and then
        // the status while the client is still busy with the first.
        stream.trailers();
        for (CountDownLatch latch : release) {
          latch.countDown();
        }

        assertThat(await(received)).as("what the slow client received")
            .containsExactlyElementsOf(expected);
      }
      threads.assertAllEnded();
    }
  }

  /**
   * The server sends 5 responses and then keeps the call open; this side's deadline passes
   * before the client takes any: recv throws DEADLINE_EXCEEDED at once, and the responses the
   * call held are dropped. A deadline is this side giving up.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void thisSidesDeadlineDropsTheResponsesTheCallHolds(Transport transport) throws Exception {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    var service = Bind.serverStreaming(SERVER_STREAMING, (request, responses) -> {
      CountDownLatch cancelled = new CountDownLatch(1);
      Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
      for (int i = 0; i < RESPONSES; i++) {
        responses.send(msg(i));
      }
      sent.complete(null);
      cancelled.await();
    }, threads);

    try (TestServer server = TestServer.start(transport, service);
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            server.channel(), SERVER_STREAMING,
            CallOptions.DEFAULT.withDeadlineAfter(500, MILLISECONDS), new Metadata(),
            msg("go"))) {
      await(sent);
      stream.trailers(); // the deadline ended the call

      StatusException e = null;
      try {
        Message first = stream.recv();
        assertThat(first).as("a response after this side's deadline").isNull();
      } catch (StatusException thrown) {
        e = thrown;
      }
      assertThat(e).as("recv after this side's deadline threw").isNotNull();
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(e.getStatus().getDescription()).doesNotContain("downstream");
      threads.assertAllEnded();
    }
  }
}
