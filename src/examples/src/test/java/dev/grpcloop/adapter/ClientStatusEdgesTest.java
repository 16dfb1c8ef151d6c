package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.SERVICE;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The server's status, whatever its code, comes after its responses, also where the trailers
 * grpc hands to onClose are not the ones the server sent: an interceptor that replaces them, and
 * hedged attempts, whose losers' trailers arrive too (found by a reviewer of issue 19's fix).
 */
@Timeout(120)
class ClientStatusEdgesTest {

  private static final int RESPONSES = 5;
  private static final Status DOWNSTREAM = Status.CANCELLED.withDescription("downstream");

  @ParameterizedTest
  @EnumSource(Transport.class)
  void anInterceptorThatReplacesTheTrailersLosesNoResponse(Transport transport)
      throws Exception {
    try (TestServer server = TestServer.start(transport, fiveThenCancelled())) {
      Channel channel = ClientInterceptors.intercept(server.channel(), copyingTrailers());
      for (int run = 0; run < 5; run++) {
        try (ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            channel, SERVER_STREAMING, CallOptions.DEFAULT, new Metadata(), msg("go"))) {
          stream.trailers(); // the status is in before the first recv
          assertThat(drain(stream)).as("run %d", run).isEqualTo(expected());
        }
      }
    }
  }

  /** Three hedged attempts at once, each answered in full: grpc commits to one of them. */
  @Test
  void hedgedCallsLoseNoResponse() throws Exception {
    Server server = NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            InsecureServerCredentials.create())
        .directExecutor().addService(fiveThenCancelled()).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()),
            InsecureChannelCredentials.create())
        .defaultServiceConfig(Map.of("methodConfig", List.of(Map.of(
            "name", List.of(Map.of("service", SERVICE)),
            "hedgingPolicy", Map.of("maxAttempts", 3.0, "hedgingDelay", "0s",
                "nonFatalStatusCodes", List.of("UNAVAILABLE"))))))
        .enableRetry().build();
    try {
      List<String> lost = new ArrayList<>();
      for (int run = 0; run < 100; run++) {
        try (ClientRecvStream<Message> stream = BlockingClientCalls.serverStreaming(
            channel, SERVER_STREAMING, CallOptions.DEFAULT, new Metadata(), msg("go"))) {
          if (run % 2 == 0) {
            stream.trailers();
          }
          List<String> got = drain(stream);
          if (!got.equals(expected())) {
            lost.add("run " + run + ": " + got);
          }
        }
      }
      assertThat(lost).as("calls that lost a response").isEmpty();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A raw handler: headers, 5 responses, then the server's CANCELLED. */
  private static ServerServiceDefinition fiveThenCancelled() {
    ServerCallHandler<Message, Message> handler = (call, headers) -> {
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          call.sendHeaders(new Metadata());
          for (int i = 0; i < RESPONSES; i++) {
            call.sendMessage(msg(i));
          }
          call.close(DOWNSTREAM, new Metadata());
        }
      };
    };
    return ServerServiceDefinition.builder(SERVICE).addMethod(SERVER_STREAMING, handler).build();
  }

  /** Hands onClose a copy of the trailers, as interceptors that translate errors do. */
  private static ClientInterceptor copyingTrailers() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            super.start(new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                Metadata copy = new Metadata();
                copy.merge(trailers);
                super.onClose(status, copy);
              }
            }, headers);
          }
        };
      }
    };
  }

  private static List<String> drain(ClientRecvStream<Message> stream) throws Exception {
    List<String> got = new ArrayList<>();
    try {
      for (Message m; (m = stream.recv()) != null; ) {
        got.add(m.getText());
      }
      got.add("end-of-stream");
    } catch (StatusException e) {
      got.add(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
    }
    return got;
  }

  private static List<String> expected() {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < RESPONSES; i++) {
      expected.add("m" + i);
    }
    expected.add("CANCELLED: downstream");
    return expected;
  }
}
