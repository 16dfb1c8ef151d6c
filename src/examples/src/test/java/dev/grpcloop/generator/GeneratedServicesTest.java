package dev.grpcloop.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ClientRecvStream;
import dev.grpcloop.adapter.ClientSendStream;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerSendStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.generator.test.common.Common;
import dev.grpcloop.generator.test.kinds.ImportedLoop;
import dev.grpcloop.generator.test.kinds.KeywordsLoop;
import dev.grpcloop.generator.test.kinds.KindsGrpc;
import dev.grpcloop.generator.test.kinds.KindsLoop;
import dev.grpcloop.generator.test.kinds.NestingLoop;
import dev.grpcloop.generator.test.kinds.NothingLoop;
import dev.grpcloop.generator.test.kinds.Outer;
import dev.grpcloop.generator.test.kinds.Reply;
import dev.grpcloop.generator.test.kinds.Request;
import dev.grpcloop.generator.test.kinds.Stub;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import looptest.single.SingleFileOuterClass.SingleFile;
import looptest.single.SingleLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generated classes of src/test/proto end to end over Netty on loopback: each service bound
 * with its generated {@code bindService} (or {@code ImplBase}), called through its generated
 * {@code Stub}.
 */
@Timeout(60)
class GeneratedServicesTest {
  static final Metadata.Key<String> X_TEST =
      Metadata.Key.of("x-test", Metadata.ASCII_STRING_MARSHALLER);

  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  // snippet:generated-server
  /** The Kinds service in loop style: one method per RPC, plain blocking code. */
  static final class Kinds implements KindsLoop.Service {
    @Override
    public Reply unary(Request request, ServerCallScope call) {
      String header = call.requestHeaders().get(X_TEST);
      return reply(request.getText() + (header == null ? "" : " " + header), 0);
    }

    @Override
    public void split(Request request, ServerSendStream<Reply> responses) throws Exception {
      for (int i = 0; i < request.getCount(); i++) {
        responses.send(reply(request.getText(), i));
      }
    }

    @Override
    public Reply join(ServerRecvStream<Request> requests) throws Exception {
      List<String> texts = new ArrayList<>();
      for (Request r = requests.recv(); r != null; r = requests.recv()) {
        texts.add(r.getText());
      }
      return reply(String.join(" ", texts), texts.size());
    }

    @Override
    public void echo(ServerStream<Request, Reply> stream) throws Exception {
      int i = 0;
      for (Request r = stream.recv(); r != null; r = stream.recv()) {
        stream.send(reply(r.getText(), i++));
      }
    }
  }
  // end-snippet

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void unaryReturnsTheResponse() throws Exception {
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new Kinds())));

    assertThat(stub.unary(request("hello")).getText()).isEqualTo("hello");
  }

  @Test
  void unarySendsRequestHeaders() throws Exception {
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new Kinds())));
    Metadata headers = new Metadata();
    headers.put(X_TEST, "with header");

    assertThat(stub.unary(request("hello"), headers).getText()).isEqualTo("hello with header");
  }

  @Test
  void serverStreamingReceivesEveryResponseThenTheEnd() throws Exception {
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new Kinds())));

    List<String> replies = new ArrayList<>();
    // snippet:generated-client
    try (ClientRecvStream<Reply> call =
        stub.split(Request.newBuilder().setText("part").setCount(3).build())) {
      for (Reply reply = call.recv(); reply != null; reply = call.recv()) {
        replies.add(reply.getText() + " " + reply.getIndex());
      }
    }
    // end-snippet

    assertThat(replies).containsExactly("part 0", "part 1", "part 2");
  }

  @Test
  void serverStreamingSendsRequestHeaders() throws Exception {
    Channel channel = serve(KindsLoop.bindService(new KindsLoop.Service() {
      @Override
      public void split(Request request, ServerSendStream<Reply> responses) throws Exception {
        responses.send(reply(responses.requestHeaders().get(X_TEST), 0));
      }
    }));
    Metadata headers = new Metadata();
    headers.put(X_TEST, "seen");

    try (ClientRecvStream<Reply> call = KindsLoop.newStub(channel).split(request(""), headers)) {
      assertThat(recvAll(call)).containsExactly("seen 0");
    }
  }

  @Test
  void clientStreamingSendsThenReceivesTheResponse() throws Exception {
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new Kinds())));

    try (ClientSendStream<Request, Reply> call = stub.join()) {
      for (String text : List.of("a", "b", "c")) {
        assertThat(call.send(request(text))).isTrue();
      }
      Reply reply = call.closeAndRecv();

      assertThat(reply.getText()).isEqualTo("a b c");
      assertThat(reply.getIndex()).isEqualTo(3);
    }
  }

  @Test
  void bidiStreamingInterleavesSendAndRecv() throws Exception {
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new Kinds())));

    try (ClientStream<Request, Reply> call = stub.echo()) {
      for (int i = 0; i < 3; i++) {
        assertThat(call.send(request("ping"))).isTrue();
        Reply reply = call.recv();
        assertThat(reply.getText()).isEqualTo("ping");
        assertThat(reply.getIndex()).isEqualTo(i);
      }
      call.closeSend();
      assertThat(call.recv()).isNull();
    }
  }

  @Test
  void streamingCallsSendRequestHeaders() throws Exception {
    KindsLoop.Service seesHeaders = new KindsLoop.Service() {
      @Override
      public Reply join(ServerRecvStream<Request> requests) {
        return reply(requests.requestHeaders().get(X_TEST), 0);
      }

      @Override
      public void echo(ServerStream<Request, Reply> stream) throws Exception {
        stream.send(reply(stream.requestHeaders().get(X_TEST), 0));
      }
    };
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(seesHeaders)));
    Metadata headers = new Metadata();
    headers.put(X_TEST, "h");

    try (ClientSendStream<Request, Reply> call = stub.join(headers)) {
      assertThat(call.closeAndRecv().getText()).isEqualTo("h");
    }
    try (ClientStream<Request, Reply> call = stub.echo(headers)) {
      call.closeSend();
      assertThat(recvAll(call)).containsExactly("h 0");
    }
  }

  @Test
  void methodsNotOverriddenAnswerUnimplementedAsGrpcJavasDo() throws Exception {
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new KindsLoop.Service() {})));

    StatusException unary =
        catchThrowableOfType(StatusException.class, () -> stub.unary(request("x")));
    assertThat(unary.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(unary.getStatus().getDescription())
        .isEqualTo("Method looptest.kinds.Kinds/Unary is unimplemented");
    try (ClientRecvStream<Reply> split = stub.split(request("x"))) {
      assertThat(catchThrowableOfType(StatusException.class, split::recv).getStatus().getCode())
          .isEqualTo(Status.Code.UNIMPLEMENTED);
    }
    try (ClientSendStream<Request, Reply> join = stub.join()) {
      assertThat(catchThrowableOfType(StatusException.class, join::closeAndRecv).getStatus()
          .getDescription()).isEqualTo("Method looptest.kinds.Kinds/Join is unimplemented");
    }
    try (ClientStream<Request, Reply> echo = stub.echo()) {
      assertThat(catchThrowableOfType(StatusException.class, echo::recv).getStatus().getCode())
          .isEqualTo(Status.Code.UNIMPLEMENTED);
    }
  }

  @Test
  void implBaseIsABindableService() throws Exception {
    class Impl extends KindsLoop.ImplBase {
      @Override
      public Reply unary(Request request, ServerCallScope call) {
        return reply("bound " + request.getText(), 0);
      }
    }
    KindsLoop.Stub stub = KindsLoop.newStub(serve(new Impl().bindService()));

    assertThat(stub.unary(request("x")).getText()).isEqualTo("bound x");
    assertThat(new Impl().bindService().getServiceDescriptor().getName())
        .isEqualTo(KindsGrpc.SERVICE_NAME);
  }

  @Test
  void theOptionsChooseTheHandlersThreads() throws Exception {
    BlockingServerCalls.Options options = BlockingServerCalls.Options.DEFAULT
        .withThreads(Thread.ofPlatform().name("kinds-handler-", 0).factory());
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new KindsLoop.Service() {
      @Override
      public Reply unary(Request request, ServerCallScope call) {
        return reply(Thread.currentThread().getName(), 0);
      }
    }, options)));

    assertThat(stub.unary(request("x")).getText()).startsWith("kinds-handler-");
  }

  @Test
  void aDeadlineEndsACallThatWouldBlockForever() throws Exception {
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new Kinds())));
    KindsLoop.Stub withDeadline = stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS);

    assertThat(stub.getCallOptions().getDeadline()).isNull();
    assertThat(withDeadline.getCallOptions().getDeadline()).isNotNull();
    // The server's echo waits for a request that never comes; the client's recv for a reply.
    try (ClientStream<Request, Reply> call = withDeadline.echo()) {
      StatusException e = catchThrowableOfType(StatusException.class, call::recv);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void callOptionsAndInterceptorsReachTheCall() throws Exception {
    CallOptions.Key<String> key = CallOptions.Key.create("header-value");
    ClientInterceptor fromOption = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            headers.put(X_TEST, callOptions.getOption(key));
            super.start(listener, headers);
          }
        };
      }
    };
    KindsLoop.Stub stub = KindsLoop.newStub(serve(KindsLoop.bindService(new Kinds())))
        .withInterceptors(fromOption)
        .withOption(key, "from an option");

    assertThat(stub.unary(request("x")).getText()).isEqualTo("x from an option");
    assertThat(stub.withCompression("gzip").unary(request("y")).getText())
        .isEqualTo("y from an option");
  }

  @Test
  void keywordNamedMethodsAreGrpcJavasNames() throws Exception {
    KeywordsLoop.Service keywords = new KeywordsLoop.Service() {
      @Override
      public Reply import_(Request request, ServerCallScope call) {
        return reply("import " + request.getText(), 0);
      }

      @Override
      public Reply default_(ServerRecvStream<Request> requests) throws Exception {
        int n = 0;
        while (requests.recv() != null) {
          n++;
        }
        return reply("default", n);
      }

      @Override
      public void new_(Request request, ServerSendStream<Reply> responses) throws Exception {
        responses.send(reply("new " + request.getText(), 0));
      }

      @Override
      public void doIt(ServerStream<Request, Reply> stream) throws Exception {
        for (Request r = stream.recv(); r != null; r = stream.recv()) {
          stream.send(reply("did " + r.getText(), 0));
        }
      }

      @Override
      public Reply get2Things(Request request, ServerCallScope call) {
        return reply("two " + request.getText(), 2);
      }
    };
    KeywordsLoop.Stub stub = KeywordsLoop.newStub(serve(KeywordsLoop.bindService(keywords)));

    assertThat(stub.import_(request("x")).getText()).isEqualTo("import x");
    try (ClientSendStream<Request, Reply> call = stub.default_()) {
      call.send(request("a"));
      call.send(request("b"));
      assertThat(call.closeAndRecv().getIndex()).isEqualTo(2);
    }
    try (ClientRecvStream<Reply> call = stub.new_(request("y"))) {
      assertThat(recvAll(call)).containsExactly("new y 0");
    }
    try (ClientStream<Request, Reply> call = stub.doIt()) {
      call.send(request("z"));
      call.closeSend();
      assertThat(recvAll(call)).containsExactly("did z 0");
    }
    assertThat(stub.get2Things(request("w")).getText()).isEqualTo("two w");
  }

  @Test
  void messagesOfOtherPackagesAndOuterClasses() throws Exception {
    ImportedLoop.Service imported = new ImportedLoop.Service() {
      @Override
      public void ticks(Empty request, ServerSendStream<Timestamp> responses) throws Exception {
        for (int i = 1; i <= 2; i++) {
          responses.send(Timestamp.newBuilder().setSeconds(i).build());
        }
      }

      @Override
      public void route(ServerStream<Common.Point, Common.Point> stream) throws Exception {
        for (Common.Point p = stream.recv(); p != null; p = stream.recv()) {
          stream.send(p.toBuilder().setX(p.getX() + 1).build());
        }
      }

      @Override
      public Common.Point.Label nearest(Common.Point request, ServerCallScope call) {
        return Common.Point.Label.newBuilder().setName(request.getX() + "," + request.getY())
            .build();
      }

      @Override
      public Empty count(ServerRecvStream<Common.Point> requests) throws Exception {
        while (requests.recv() != null) {
          // drain
        }
        return Empty.getDefaultInstance();
      }
    };
    ImportedLoop.Stub stub = ImportedLoop.newStub(serve(ImportedLoop.bindService(imported)));

    try (ClientRecvStream<Timestamp> ticks = stub.ticks(Empty.getDefaultInstance())) {
      assertThat(ticks.recv().getSeconds()).isEqualTo(1);
      assertThat(ticks.recv().getSeconds()).isEqualTo(2);
      assertThat(ticks.recv()).isNull();
    }
    try (ClientStream<Common.Point, Common.Point> route = stub.route()) {
      route.send(Common.Point.newBuilder().setX(1).setY(2).build());
      assertThat(route.recv().getX()).isEqualTo(2);
      route.closeSend();
      assertThat(route.recv()).isNull();
    }
    assertThat(stub.nearest(Common.Point.newBuilder().setX(3).setY(4).build()).getName())
        .isEqualTo("3,4");
    try (ClientSendStream<Common.Point, Empty> count = stub.count()) {
      count.send(Common.Point.getDefaultInstance());
      assertThat(count.closeAndRecv()).isEqualTo(Empty.getDefaultInstance());
    }
  }

  @Test
  void nestedMessagesAndAMessageNamedStub() throws Exception {
    NestingLoop.Service nesting = new NestingLoop.Service() {
      @Override
      public void deep(ServerStream<Outer.Middle.Inner, Outer.Middle.Inner> stream)
          throws Exception {
        for (Outer.Middle.Inner in = stream.recv(); in != null; in = stream.recv()) {
          stream.send(Outer.Middle.Inner.newBuilder().setValue(in.getValue() + "!").build());
        }
      }

      @Override
      public Stub collide(Stub request, ServerCallScope call) {
        return Stub.newBuilder().setNote("re: " + request.getNote()).build();
      }
    };
    NestingLoop.Stub stub = NestingLoop.newStub(serve(NestingLoop.bindService(nesting)));

    try (ClientStream<Outer.Middle.Inner, Outer.Middle.Inner> deep = stub.deep()) {
      deep.send(Outer.Middle.Inner.newBuilder().setValue("in").build());
      assertThat(deep.recv().getValue()).isEqualTo("in!");
    }
    assertThat(stub.collide(Stub.newBuilder().setNote("n").build()).getNote()).isEqualTo("re: n");
  }

  @Test
  void proto2WithoutJavaMultipleFiles() throws Exception {
    SingleLoop.Stub stub = SingleLoop.newStub(serve(SingleLoop.bindService(new SingleLoop.Service() {
      @Override
      public SingleFile.Answer ask(SingleFile request, ServerCallScope call) {
        return SingleFile.Answer.newBuilder().setText("42 to " + request.getQuestion()).build();
      }
    })));

    assertThat(stub.ask(SingleFile.newBuilder().setQuestion("q").build()).getText())
        .isEqualTo("42 to q");
  }

  @Test
  void aServiceWithoutRpcsBindsAndHasAStub() throws Exception {
    ServerServiceDefinition nothing = NothingLoop.bindService(new NothingLoop.Service() {});

    assertThat(nothing.getMethods()).isEmpty();
    assertThat(NothingLoop.newStub(serve(nothing)).getChannel()).isNotNull();
  }

  /** A server of {@code services} on a loopback ephemeral port, and a channel to it. */
  private Channel serve(ServerServiceDefinition... services) throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        InsecureServerCredentials.create()).directExecutor();
    for (ServerServiceDefinition service : services) {
      builder.addService(service);
    }
    Server server = builder.build().start();
    servers.add(server);
    ManagedChannel channel = NettyChannelBuilder.forAddress(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()),
        InsecureChannelCredentials.create()).build();
    channels.add(channel);
    return channel;
  }

  private static List<String> recvAll(ClientRecvStream<Reply> call) throws Exception {
    List<String> texts = new ArrayList<>();
    for (Reply reply = call.recv(); reply != null; reply = call.recv()) {
      texts.add(reply.getText() + " " + reply.getIndex());
    }
    return texts;
  }

  static Request request(String text) {
    return Request.newBuilder().setText(text).build();
  }

  static Reply reply(String text, int index) {
    return Reply.newBuilder().setText(text).setIndex(index).build();
  }
}
