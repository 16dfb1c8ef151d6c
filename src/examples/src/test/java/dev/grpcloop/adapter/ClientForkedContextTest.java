package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * grpc's call listens to the Context current at newCall, which an interceptor may replace (a
 * forked Context, for work that should outlive its caller). A cancel of the caller's Context then
 * fails the call here while grpc's call runs on; the caller's close() must still cancel grpc's
 * call, so that the server hears of it.
 */
@Timeout(120)
class ClientForkedContextTest {

  /** Makes grpc's call in a fork of the current Context: grpc's call ignores its cancel. */
  private static final ClientInterceptor FORKS = new ClientInterceptor() {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      Context previous = Context.current().fork().attach();
      try {
        return next.newCall(method, options);
      } finally {
        Context.current().detach(previous);
      }
    }
  };

  @ParameterizedTest
  @EnumSource(Transport.class)
  void closeAfterTheContextsCancelStillCancelsGrpcsCall(Transport transport) throws Exception {
    HandlerThreads threads = new HandlerThreads();
    CountDownLatch serverCancelled = new CountDownLatch(1);
    var service = Bind.bidi(BIDI, stream -> {
      Context.current().addListener(c -> serverCancelled.countDown(), Runnable::run);
      for (Message m; (m = stream.recv()) != null; ) {
        stream.send(m);
      }
    }, threads);
    try (TestServer server = TestServer.start(transport, service)) {
      Channel channel = ClientInterceptors.intercept(server.channel(), FORKS);
      Context.CancellableContext context = Context.current().withCancellation();
      Context previous = context.attach();
      ClientStream<Message, Message> stream;
      try {
        stream = BlockingClientCalls.bidiStreaming(channel, BIDI);
      } finally {
        context.detach(previous);
      }
      String afterCancel;
      try (stream) {
        assertThat(stream.send(msg(1))).isTrue();
        assertThat(stream.recv().getText()).isEqualTo("m1");
        context.cancel(null);
        afterCancel = Outcomes.outcome(() -> stream.recv(2, TimeUnit.SECONDS));
      }
      boolean told = serverCancelled.await(5, TimeUnit.SECONDS);
      assertThat(told).as("the server saw the cancel within 5 s of close() (client's recv: %s)",
          afterCancel).isTrue();
      threads.assertAllEnded();
    }
  }
}
