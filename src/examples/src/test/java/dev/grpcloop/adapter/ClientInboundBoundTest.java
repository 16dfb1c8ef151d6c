package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.service;
import static dev.grpcloop.adapter.TestServer.QUIET;
import static dev.grpcloop.adapter.TestServer.isWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client side: how many responses the adapter asks the transport for. A call asks for none while
 * it holds {@link BlockingClientCalls#MAX_BUFFERED_BYTES} of responses not received, counted by
 * their serialized size, on every transport (in-process reports no size on the wire), compressed
 * or not (the wire carries far fewer bytes than the call holds).
 */
@Timeout(60)
class ClientInboundBoundTest {

  private static final int MIB = 1024 * 1024;

  private final HandlerThreads threads = new HandlerThreads();

  /** With a bound of three responses' bytes the call holds three, not four. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void noResponseIsAskedForWhileTheCallHoldsItsBound(Transport transport) throws Exception {
    Message response = msg("x".repeat(1000));
    int held = heldUnread(transport, response, 16, 3 * response.getSerializedSize(), false);
    assertThat(held).as("responses of %d bytes held unread", response.getSerializedSize())
        .isEqualTo(3);
  }

  /** The default bound: at most 4 MiB and one response held, not 15 MiB. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void unreadBytesStayWithinTheDefaultBound(Transport transport) throws Exception {
    Message huge = msg("x".repeat(MIB));
    int size = huge.getSerializedSize();
    int held = heldUnread(transport, huge, 16, null, false);
    assertThat((long) held * size)
        .as("bytes held unread (%d responses of %d bytes)", held, size)
        .isLessThanOrEqualTo(4L * MIB + size);
  }

  /**
   * Compressed responses count their serialized size, not their few bytes on the wire: 64 KiB of
   * one letter travel as about a hundred bytes of gzip.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void compressedResponsesCountTheirSerializedSize(Transport transport) throws Exception {
    Message response = msg("x".repeat(64 * 1024));
    int held = heldUnread(transport, response, 16, 3 * response.getSerializedSize(), true);
    assertThat(held).as("gzipped responses of %d bytes held unread",
        response.getSerializedSize()).isEqualTo(3);
  }

  /**
   * Responses a client interceptor drops do not stall the call, when the interceptor asks for one
   * in place of each, as grpc's own stubs need it to (docs/contract.md): the server sends 300
   * (more than four times the 64 the call holds), the interceptor drops two of every three, and
   * the client receives every third, then end-of-stream. Each recv waits at most 10 s, so that a
   * call that stopped asking fails here, not at the class's timeout.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void responsesAnInterceptorDropsDoNotStallTheCall(Transport transport) throws Exception {
    int total = 300;
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING,
        (request, responses) -> {
          for (int i = 0; i < total; i++) {
            responses.send(msg(Integer.toString(i)));
          }
        }, threads.options());
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            ClientInterceptors.intercept(server.channel(),
                ResponseFilter.passing(index -> index % 3 == 0, true)),
            SERVER_STREAMING, CallOptions.DEFAULT, new Metadata(), msg("go"))) {
      for (int i = 0; i < total; i += 3) {
        assertThat(stream.recv(10, TimeUnit.SECONDS)).as("response %d", i)
            .isEqualTo(msg(Integer.toString(i)));
      }
      assertThat(stream.recv(10, TimeUnit.SECONDS)).as("end-of-stream").isNull();
    }
  }

  /**
   * A server sends {@code toSend} copies of {@code response}, gzipped if {@code compress}; the
   * client receives one and stops. Returns how many more grpc delivered to the client's call
   * once deliveries settled. {@code bound}: the call's MAX_BUFFERED_BYTES, null for the default.
   */
  private int heldUnread(Transport transport, Message response, int toSend, Integer bound,
      boolean compress) throws Exception {
    AtomicInteger sent = new AtomicInteger();
    var handler = BlockingServerCalls.<Message, Message>serverStreaming(SERVER_STREAMING,
        (request, responses) -> {
          if (compress) {
            responses.setCompression("gzip");
          }
          for (int i = 0; i < toSend; i++) {
            responses.send(response);
            sent.incrementAndGet();
          }
        }, threads.options());
    AtomicInteger delivered = new AtomicInteger();
    CallOptions options = bound == null ? CallOptions.DEFAULT
        : CallOptions.DEFAULT.withOption(BlockingClientCalls.MAX_BUFFERED_BYTES, bound);
    try (TestServer server = TestServer.start(transport, service(handler));
        ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            ClientInterceptors.intercept(server.channel(), ResponseFilter.counting(delivered)),
            SERVER_STREAMING, options, new Metadata(), msg("go"))) {
      assertThat(stream.recv()).isEqualTo(response);
      awaitSettled(delivered, sent, toSend, threads.awaitOnly());
      return delivered.get() - 1;
    }
  }

  /**
   * Waits until the handler has ended or waits in send, and then no response was delivered to the
   * client for {@link TestServer#QUIET}.
   */
  private static void awaitSettled(AtomicInteger delivered, AtomicInteger sent, int total,
      Thread handler) {
    long deadline = System.nanoTime() + TestServer.PATIENCE.toNanos();
    for (;;) {
      int before = delivered.get();
      boolean idle = !handler.isAlive() || isWaitingIn(handler, "send");
      long quietEnd = System.nanoTime() + QUIET.toNanos();
      while (delivered.get() == before && System.nanoTime() - quietEnd < 0) {
        LockSupport.parkNanos(Duration.ofMillis(2).toNanos()); // watching: nothing should come
      }
      if (idle && delivered.get() == before
          && (!handler.isAlive() || isWaitingIn(handler, "send"))) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("deliveries never settled: " + delivered.get() + " delivered, "
            + sent.get() + " of " + total + " sent");
      }
    }
  }

}
