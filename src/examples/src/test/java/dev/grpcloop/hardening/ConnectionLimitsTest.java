package dev.grpcloop.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.serving.ConnectionLimits;
import dev.grpcloop.serving.ExampleServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One client cannot take an example server's handlers for itself: each connection gets at most
 * {@link ConnectionLimits#MAX_CALLS_PER_CONNECTION} calls at once. A grpc client holds its further
 * calls back (they wait, they do not fail) until one of its calls ends, while other clients are
 * served; a client that ignores the limit has the stream refused.
 */
@Timeout(60)
class ConnectionLimitsTest {
  private static final int CAP = ConnectionLimits.MAX_CALLS_PER_CONNECTION;

  /** Calls the server has started, counted as grpc hands each to the service. */
  private final AtomicInteger started = new AtomicInteger();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;

  @BeforeEach
  void start() throws Exception {
    ServerInterceptor counter = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
          Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        started.incrementAndGet();
        return next.startCall(call, headers);
      }
    };
    server = ExampleServer.start(0, builder -> builder.intercept(counter), new EchoService());
  }

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void callsBeyondTheCapWaitForTheirTurnWhileAnotherClientIsServed() throws Exception {
    ManagedChannel greedy = newChannel();
    List<ClientStream<Message, Message>> streams = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      ClientStream<Message, Message> stream = EchoServiceLoop.newStub(greedy).echoStream();
      echo(stream, "call " + i);
      streams.add(stream);
    }
    assertThat(started).hasValue(CAP);

    // One call more: the client starts it, but holds it back.
    ClientStream<Message, Message> extra = EchoServiceLoop.newStub(greedy).echoStream();
    // A fence: the connection's frames reach the server in order, so once this echo is back, the
    // extra call would have started on the server had the client sent it.
    echo(streams.get(0), "fence");
    assertThat(started).as("calls started on the server").hasValue(CAP);

    // Another client, on a connection of its own, is served meanwhile.
    try (ClientStream<Message, Message> other =
        EchoServiceLoop.newStub(newChannel()).echoStream()) {
      echo(other, "me too");
      other.closeSend();
      assertThat(other.recv()).isNull();
    }
    assertThat(started).hasValue(CAP + 1);

    // One of the greedy client's calls ends: the call held back goes out and is served.
    streams.get(0).closeSend();
    assertThat(streams.get(0).recv()).isNull();
    echo(extra, "my turn");
    assertThat(started).hasValue(CAP + 2);

    extra.close();
    streams.forEach(ClientStream::close);
  }

  @Test
  void theServerAnnouncesTheCapAndRefusesAStreamBeyondIt() throws Exception {
    try (RawHttp2Client raw = new RawHttp2Client(server.getPort(), 65_535)) {
      assertThat(raw.acknowledgeServerSettings()).as("the server's SETTINGS")
          .containsEntry(0x3, (long) CAP); // SETTINGS_MAX_CONCURRENT_STREAMS
      String path = "/" + EchoServiceGrpc.getEchoStreamMethod().getFullMethodName();
      for (int i = 0; i <= CAP; i++) {
        raw.startCall(2 * i + 1, path); // client streams have odd ids: 1, 3, 5, ...
      }
      int refusedStream = 2 * CAP + 1;
      assertThat(raw.awaitReset(refusedStream)).as("RST_STREAM error code")
          .isEqualTo(0x7); // REFUSED_STREAM: not processed, safe to retry
      assertThat(started).as("calls started on the server").hasValue(CAP);
    }
  }

  private ManagedChannel newChannel() {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
    channels.add(channel);
    return channel;
  }

  private static void echo(ClientStream<Message, Message> stream, String text) throws Exception {
    assertThat(stream.send(Message.newBuilder().setText(text).build())).isTrue();
    assertThat(stream.recv().getText()).isEqualTo(text);
  }
}
