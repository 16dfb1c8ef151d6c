package dev.grpcloop.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.serving.ExampleServer;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.BlockingClientCall;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Response compression through {@link ServerCallScope#setCompression} and {@link
 * ServerSendStream#setMessageCompression}, seen from a real client over loopback: the response
 * headers name the encoding, and each message's size on the wire shows whether it was compressed.
 */
@Timeout(30)
class ServerCompressionTest {

  private static final Metadata.Key<String> GRPC_ENCODING =
      Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

  /** 10,000 identical characters: gzip shrinks them to a few dozen bytes. */
  private static final Message BIG = Message.newBuilder().setText("a".repeat(10_000)).build();

  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void compressesOnlyTheMessagesThatAskForIt() throws Exception {
    start(stream -> {
      stream.setCompression("gzip");
      boolean compress = true;
      for (Message msg = stream.recv(); msg != null; msg = stream.recv()) {
        stream.setMessageCompression(compress);
        stream.send(msg);
        compress = !compress;
      }
    });
    AtomicReference<Metadata> headers = new AtomicReference<>();
    List<Long> wireSizes = new CopyOnWriteArrayList<>();
    BlockingClientCall<Message, Message> call = EchoServiceGrpc.newBlockingV2Stub(channel)
        .withInterceptors(
            MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()),
            recordInboundWireSizes(wireSizes))
        .echoStream();

    assertThat(call.write(BIG)).isTrue();
    assertThat(call.read()).isEqualTo(BIG);
    assertThat(call.write(BIG)).isTrue();
    assertThat(call.read()).isEqualTo(BIG);
    call.halfClose();
    assertThat(call.read()).isNull();

    assertThat(headers.get().get(GRPC_ENCODING)).isEqualTo("gzip");
    assertThat(wireSizes).hasSize(2);
    assertThat(wireSizes.get(0)).as("first message, compressed").isLessThan(1_000L);
    assertThat(wireSizes.get(1)).as("second message, not compressed").isGreaterThan(10_000L);
  }

  @Test
  void withoutSetCompressionNothingIsCompressed() throws Exception {
    start(stream -> {
      for (Message msg = stream.recv(); msg != null; msg = stream.recv()) {
        stream.send(msg);
      }
    });
    AtomicReference<Metadata> headers = new AtomicReference<>();
    List<Long> wireSizes = new CopyOnWriteArrayList<>();
    BlockingClientCall<Message, Message> call = EchoServiceGrpc.newBlockingV2Stub(channel)
        .withInterceptors(
            MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()),
            recordInboundWireSizes(wireSizes))
        .echoStream();

    assertThat(call.write(BIG)).isTrue();
    assertThat(call.read()).isEqualTo(BIG);
    call.halfClose();
    assertThat(call.read()).isNull();

    assertThat(headers.get().get(GRPC_ENCODING)).isEqualTo("identity");
    assertThat(wireSizes).hasSize(1);
    assertThat(wireSizes.get(0)).as("the message, not compressed").isGreaterThan(10_000L);
  }

  @Test
  void setCompressionAfterTheHeadersOrWithAnUnknownNameThrows() throws Exception {
    CompletableFuture<Throwable> unknownName = new CompletableFuture<>();
    CompletableFuture<Throwable> afterHeaders = new CompletableFuture<>();
    start(stream -> {
      unknownName.complete(thrownBy(() -> stream.setCompression("no-such-compressor")));
      stream.sendHeaders(new Metadata());
      afterHeaders.complete(thrownBy(() -> stream.setCompression("gzip")));
    });
    BlockingClientCall<Message, Message> call =
        EchoServiceGrpc.newBlockingV2Stub(channel).echoStream();
    call.halfClose();
    assertThat(call.read()).isNull();

    assertThat(unknownName.get(5, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(afterHeaders.get(5, TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("headers were already sent");
  }

  private void start(BlockingServerCalls.BidiStreamingHandler<Message, Message> handler)
      throws Exception {
    BindableService service = () -> BlockingServerCalls.service(
        EchoServiceGrpc.getServiceDescriptor(),
        BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), handler));
    server = ExampleServer.start(0, service);
    channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
  }

  /** Records the size on the wire of each message the client receives, in order. */
  private static ClientInterceptor recordInboundWireSizes(List<Long> sizes) {
    ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {
      @Override
      public ClientStreamTracer newClientStreamTracer(
          ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
          @Override
          public void inboundMessageRead(int seqNo, long wireSize, long uncompressedSize) {
            sizes.add(wireSize);
          }
        };
      }
    };
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withStreamTracerFactory(tracers));
      }
    };
  }

  private static Throwable thrownBy(Runnable action) {
    try {
      action.run();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }
}
