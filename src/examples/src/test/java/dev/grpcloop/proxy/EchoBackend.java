package dev.grpcloop.proxy;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.EchoService;
import dev.grpcloop.echo.proto.Message;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The server behind the proxy, on an ephemeral port of 127.0.0.1: the echo service, and three
 * methods of the test's own on the echo proto's {@link Message}, whose handlers record what they
 * saw. It runs grpc's callbacks on the transport thread, as the example servers do.
 *
 * <ul>
 *   <li>{@link #UNARY} answers with the request and a trailer, or fails if asked to.
 *   <li>{@link #UPLOAD} is the page's client-streaming handler, which stores an upload only if its
 *       last part says it is the last.
 *   <li>{@link #QUIET} echoes each message and otherwise says nothing, for deadlines, timeouts and
 *       connection counts.
 * </ul>
 */
final class EchoBackend implements AutoCloseable {
  static final String SERVICE = "grpcloop.proxy.Backend";

  static final MethodDescriptor<Message, Message> UNARY = method(MethodType.UNARY, "Unary");
  static final MethodDescriptor<Message, Message> UPLOAD =
      method(MethodType.CLIENT_STREAMING, "Upload");
  static final MethodDescriptor<Message, Message> QUIET =
      method(MethodType.BIDI_STREAMING, "Quiet");

  /** The trailer {@link #UNARY} sends, whatever the outcome: the request's text. */
  static final Metadata.Key<String> TRAILER = key("x-proxy-trailer");

  static final Metadata.Key<String> FORWARDED_FOR = key("x-forwarded-for");

  /** A handler's end that is not an error. */
  static final String STORED = "stored";
  static final String END_OF_STREAM = "end-of-stream";

  /**
   * What one {@link #QUIET} call's handler saw when it started: the address the call came from,
   * and the time left until its deadline in milliseconds (null if it had none).
   */
  record QuietCall(SocketAddress remote, Long deadlineMillis) {}

  /** Where {@link #upload} puts what it stores. */
  static final class Store {
    /** Each upload stored, in order. */
    final BlockingQueue<List<String>> committed = new LinkedBlockingQueue<>();

    void commit(List<String> parts) {
      committed.add(List.copyOf(parts));
    }
  }

  final Store store = new Store();

  /** How each {@link #UPLOAD} handler ended: {@link #STORED}, or its status code's name. */
  final BlockingQueue<String> uploadEnds = new LinkedBlockingQueue<>();

  /** Released once for each {@link #UPLOAD} message that reached the server. */
  final Semaphore uploadParts = new Semaphore(0);

  /** The {@code x-forwarded-for} header of each {@link #UNARY} call ("none" if absent). */
  final BlockingQueue<String> forwardedFor = new LinkedBlockingQueue<>();

  final BlockingQueue<QuietCall> quietCalls = new LinkedBlockingQueue<>();

  /** How each {@link #QUIET} handler ended: {@link #END_OF_STREAM}, or its status code's name. */
  final BlockingQueue<String> quietEnds = new LinkedBlockingQueue<>();

  private final Server server;

  private EchoBackend() throws IOException {
    server = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))
        .directExecutor()
        .addService(new EchoService())
        .addService(ServerInterceptors.intercept(service(), new UploadPartCounter()))
        .build()
        .start();
  }

  static EchoBackend start() throws IOException {
    return new EchoBackend();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // snippet:proxy-explicit-end
  Message upload(ServerRecvStream<Message> parts) throws Exception {
    List<String> texts = new ArrayList<>();
    for (Message part; (part = parts.recv()) != null; ) {
      texts.add(part.getText());
    }
    // End-of-stream alone does not prove that the client finished: behind haproxy 2.6 an
    // abandoned upload can end the same way. The client's last part says how many came first.
    int count = texts.size() - 1;
    if (count < 0 || !texts.get(count).equals("end of " + count)) {
      throw Status.ABORTED.withDescription("the upload ended without its last part").asException();
    }
    store.commit(texts.subList(0, count));
    return Message.newBuilder().setText("stored " + count).build();
  }
  // end-snippet

  private ServerServiceDefinition service() {
    return BlockingServerCalls.service(
        ServiceDescriptor.newBuilder(SERVICE).addMethod(UNARY).addMethod(UPLOAD)
            .addMethod(QUIET).build(),
        BlockingServerCalls.unary(UNARY, (request, call) -> {
          String from = call.requestHeaders().get(FORWARDED_FOR);
          forwardedFor.add(from == null ? "none" : from);
          Metadata trailers = new Metadata();
          trailers.put(TRAILER, request.getText());
          call.setTrailers(trailers);
          if (request.getText().equals("fail")) {
            throw Status.FAILED_PRECONDITION.withDescription("asked to fail").asException();
          }
          return request;
        }),
        BlockingServerCalls.clientStreaming(UPLOAD,
            parts -> ended(uploadEnds, STORED, () -> upload(parts))),
        BlockingServerCalls.bidiStreaming(QUIET, stream -> ended(quietEnds, END_OF_STREAM, () -> {
          quiet(stream);
          return null;
        })));
  }

  private void quiet(ServerStream<Message, Message> stream) throws Exception {
    Deadline deadline = stream.deadline();
    quietCalls.add(new QuietCall(stream.attributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
        deadline == null ? null : deadline.timeRemaining(TimeUnit.MILLISECONDS)));
    for (Message m; (m = stream.recv()) != null; ) {
      stream.send(m);
    }
  }

  /** Runs a handler, recording how it ended in {@code ends}; what it throws goes on to grpc. */
  private static <T> T ended(BlockingQueue<String> ends, String ok, Callable<T> handler)
      throws Exception {
    try {
      T result = handler.call();
      ends.add(ok);
      return result;
    } catch (Exception e) {
      ends.add(Status.fromThrowable(e).getCode().name());
      throw e;
    }
  }

  /** Counts the upload messages that reach the server, whether or not its handler took them. */
  private final class UploadPartCounter implements ServerInterceptor {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
        Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      boolean upload = call.getMethodDescriptor().getFullMethodName()
          .equals(UPLOAD.getFullMethodName());
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onMessage(ReqT message) {
          super.onMessage(message);
          if (upload) {
            uploadParts.release();
          }
        }
      };
    }
  }

  private static MethodDescriptor<Message, Message> method(MethodType type, String name) {
    MethodDescriptor.Marshaller<Message> marshaller =
        ProtoUtils.marshaller(Message.getDefaultInstance());
    return MethodDescriptor.<Message, Message>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(marshaller)
        .setResponseMarshaller(marshaller)
        .build();
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
