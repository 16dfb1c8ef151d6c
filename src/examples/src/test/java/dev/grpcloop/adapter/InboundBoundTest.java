package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.CLIENT_STREAMING;
import static dev.grpcloop.adapter.TestMethods.SERVER_STREAMING;
import static dev.grpcloop.adapter.TestMethods.UNARY;
import static dev.grpcloop.adapter.TestMethods.msg;
import static dev.grpcloop.adapter.TestMethods.seq;
import static dev.grpcloop.adapter.TestServer.QUIET;
import static dev.grpcloop.adapter.TestServer.awaitUntil;
import static dev.grpcloop.adapter.TestServer.isWaitingIn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.TestServer.DeliveryCounter;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Server side: how much the adapter asks the transport for. A unary or server-streaming call needs
 * no more than 2 messages; a streaming call holds at most 4 MiB (plus one message) unread, asks
 * for nothing while it holds its byte bound or its most messages, and an interceptor that asks
 * for more, replaces a request or drops one does not break the adapter's accounting.
 */
@Timeout(120)
class InboundBoundTest {

  private static final int MIB = 1024 * 1024;

  /** The default bound on bytes delivered to a call and not yet taken by recv(). */
  private static final int UNREAD_BYTES_BOUND = 4 * MIB;

  /** A unary call is delivered at most 2 of 3 messages sent without a half-close. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void unaryCallRequestsAtMostTwoMessages(Transport transport) throws Exception {
    assertAtMostTwoDelivered(transport, UNARY,
        threads -> Bind.unary(UNARY, (request, call) -> request, threads));
  }

  /** The same for a server-streaming call. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void serverStreamingCallRequestsAtMostTwoMessages(Transport transport) throws Exception {
    assertAtMostTwoDelivered(transport, SERVER_STREAMING,
        threads -> Bind.serverStreaming(SERVER_STREAMING, (request, out) -> out.send(request),
            threads));
  }

  private static void assertAtMostTwoDelivered(Transport transport,
      MethodDescriptor<Message, Message> method,
      Function<ThreadFactory, ServerServiceDefinition> bind) throws Exception {
    // The handler's thread starts only once the client has sent all 3, so that whatever the
    // adapter requests finds them there.
    CountDownLatch clientSent = new CountDownLatch(1);
    ThreadFactory gated = task -> TestServer.newHandlerThread(() -> {
      try {
        clientSent.await();
      } catch (InterruptedException e) {
        return;
      }
      task.run();
    });
    DeliveryCounter deliveries = new DeliveryCounter();
    try (TestServer server = TestServer.start(transport, bind.apply(gated), deliveries)) {
      RawCall call = RawCall.start(server.channel(), method);
      call.request(Integer.MAX_VALUE);
      for (int i = 0; i < 3; i++) {
        call.send(msg(i));
      }
      clientSent.countDown();

      Status status = call.awaitStatus();
      assertThat(deliveries.delivered())
          .as("messages delivered to the %s call (it ended with %s)", method.getType(), status)
          .isLessThanOrEqualTo(2);
    }
  }

  /** A handler that stops receiving holds at most 4 MiB + one message unread. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void unreadBytesStayWithinTheBound(Transport transport) throws Exception {
    Message huge = msg("x".repeat(MIB));
    int size = huge.getSerializedSize();
    int toSend = 16;
    CountDownLatch release = new CountDownLatch(1);
    ServerServiceDefinition service = Bind.bidi(BIDI, stream -> {
      stream.recv(); // takes one, so that the adapter has started asking for more
      release.await();
    });
    DeliveryCounter deliveries = new DeliveryCounter();
    try (TestServer server = TestServer.start(transport, service, deliveries);
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      Thread sender = stream.startSender(() -> {
        for (int i = 0; i < toSend && stream.send(huge); i++) {
          // one MiB each
        }
      });
      awaitDeliveriesSettled(deliveries, toSend, sender);

      long unread = (long) (deliveries.delivered() - 1) * size;
      assertThat(unread)
          .as("bytes delivered to the handler and not taken (%d messages of %d bytes)",
              deliveries.delivered() - 1, size)
          .isLessThanOrEqualTo(UNREAD_BYTES_BOUND + size);
      release.countDown();
    }
  }

  /**
   * The bound is exact, as {@code Options.withMaxBufferedBytes} words it: no request is made while
   * the call holds that many bytes unread. With a bound of three messages' bytes the handler holds
   * three, not four (which "the bound plus one message" would still allow).
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void noMessageIsAskedForWhileTheCallHoldsItsBound(Transport transport) throws Exception {
    Message message = msg("x".repeat(1000));
    int bound = 3 * message.getSerializedSize();
    assertHeldUnread(transport, message, 16, Bind.options().withMaxBufferedBytes(bound), 3);
  }

  /** Nor while it holds {@code Inbox.MAX_MESSAGES} small ones, whatever their bytes. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void noMessageIsAskedForWhileTheCallHoldsItsMostMessages(Transport transport) throws Exception {
    assertHeldUnread(transport, msg("x"), 2 * Inbox.MAX_MESSAGES, Bind.options(),
        Inbox.MAX_MESSAGES);
  }

  /**
   * Sends {@code toSend} copies of {@code message} to a handler that takes one and stops, and
   * checks that exactly {@code expected} more were delivered to it.
   */
  private static void assertHeldUnread(Transport transport, Message message, int toSend,
      BlockingServerCalls.Options options, int expected) throws Exception {
    assertHeldUnread(transport, message, toSend, options, expected, message.getSerializedSize());
  }

  /**
   * As above, behind {@code interceptors} (the last sees the call first), which may deliver to the
   * handler other messages than those sent, of {@code deliveredSize} bytes.
   */
  private static void assertHeldUnread(Transport transport, Message message, int toSend,
      BlockingServerCalls.Options options, int expected, int deliveredSize,
      ServerInterceptor... interceptors) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ServerServiceDefinition service = TestMethods.service(BlockingServerCalls.bidiStreaming(BIDI,
        stream -> {
          stream.recv(); // takes one, so that the adapter has started asking for more
          release.await();
        }, options));
    DeliveryCounter deliveries = new DeliveryCounter();
    ServerInterceptor[] all = Arrays.copyOf(interceptors, interceptors.length + 1);
    all[interceptors.length] = deliveries;
    try (TestServer server = TestServer.start(transport, service, all);
        ClientStream<Message, Message> stream =
            BlockingClientCalls.bidiStreaming(server.channel(), BIDI)) {
      Thread sender = stream.startSender(() -> {
        for (int i = 0; i < toSend && stream.send(message); i++) {
          // the same message each time
        }
      });
      // The one taken and those held come, however slowly (a cold start); then none may follow.
      awaitUntil(1 + expected + " messages delivered",
          () -> deliveries.delivered() >= 1 + expected);
      awaitDeliveriesSettled(deliveries, toSend, sender);

      assertThat(deliveries.delivered() - 1)
          .as("messages of %d bytes held unread", deliveredSize)
          .isEqualTo(expected);
      release.countDown();
    }
  }

  /**
   * Waits until all {@code total} were delivered, or deliveries stopped for {@link
   * TestServer#QUIET} while the sender waits in send() or has ended.
   */
  private static void awaitDeliveriesSettled(DeliveryCounter deliveries, int total, Thread sender)
      throws InterruptedException {
    // Not before the call is under way: a sender waits in send() for a stream that has yet to
    // open too (a cold Netty start can take longer than QUIET), and that is not a settled call.
    awaitUntil("a first message delivered", () -> deliveries.delivered() >= 1);
    long deadline = System.nanoTime() + TestServer.PATIENCE.toNanos();
    for (;;) {
      int before = deliveries.delivered();
      if (before >= total) {
        return;
      }
      boolean idle = !sender.isAlive() || isWaitingIn(sender, "send");
      sender.join(QUIET); // a bounded negative wait: no more deliveries should come
      if (idle && deliveries.delivered() == before
          && (!sender.isAlive() || isWaitingIn(sender, "send"))) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("deliveries never settled: " + deliveries.delivered());
      }
    }
  }

  /**
   * A request that an interceptor replaces counts as what the handler gets: small requests made
   * 1,000 bytes each, with a bound of three of those, leave three held, not all that were sent.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aRequestReplacedByAnInterceptorCountsAsItsReplacement(Transport transport)
      throws Exception {
    Message big = msg("x".repeat(1000));
    ServerInterceptor inflate = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          @Override
          @SuppressWarnings("unchecked") // the method's requests are Messages
          public void onMessage(ReqT message) {
            super.onMessage((ReqT) big);
          }
        };
      }
    };
    int bound = 3 * big.getSerializedSize();
    assertHeldUnread(transport, msg("s"), 16, Bind.options().withMaxBufferedBytes(bound), 3,
        big.getSerializedSize(), inflate);
  }

  /**
   * A request that an interceptor drops is not kept anywhere: nothing the adapter holds for the
   * byte bound outlives the call's use of it. The client serializes eagerly, so that the server
   * parses a message of its own (in-process too), referenced only by what keeps it.
   */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void aRequestDroppedByAnInterceptorIsNotKept(Transport transport) throws Exception {
    AtomicReference<WeakReference<Object>> dropped = new AtomicReference<>();
    ServerInterceptor dropOne = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          @Override
          public void onMessage(ReqT message) {
            if (((Message) message).getText().equals("drop me")) {
              dropped.set(new WeakReference<>(message));
              call.request(1); // in its place, as an interceptor that drops must
              return;
            }
            super.onMessage(message);
          }
        };
      }
    };
    ServerServiceDefinition service = Bind.clientStreaming(CLIENT_STREAMING, requests -> {
      int n = 0;
      while (requests.recv() != null) {
        n++;
      }
      return msg("received " + n);
    });
    MethodDescriptor.Marshaller<Message> proto = CLIENT_STREAMING.getRequestMarshaller();
    MethodDescriptor<Message, Message> eager = CLIENT_STREAMING.toBuilder(
        new MethodDescriptor.Marshaller<Message>() {
          @Override
          public InputStream stream(Message value) {
            return new ByteArrayInputStream(value.toByteArray());
          }

          @Override
          public Message parse(InputStream stream) {
            return proto.parse(stream);
          }
        }, CLIENT_STREAMING.getResponseMarshaller()).build();
    try (TestServer server = TestServer.start(transport, service, dropOne);
        ClientSendStream<Message, Message> stream =
            BlockingClientCalls.clientStreaming(server.channel(), eager)) {
      assertThat(stream.send(msg("keep"))).isTrue();
      assertThat(stream.send(msg("drop me"))).isTrue();
      assertThat(stream.closeAndRecv().getText()).isEqualTo("received 1");
      // While the server runs: its transport threads, and whatever they keep, are alive.
      awaitUntil("the dropped request is collected", () -> {
        System.gc();
        return dropped.get() != null && dropped.get().get() == null;
      });
    }
  }

  /** A request(5) made by an interceptor after startCall loses no message and raises no error. */
  @ParameterizedTest
  @EnumSource(Transport.class)
  void interceptorRequestingMoreDoesNotBreakTheAdapter(Transport transport) throws Exception {
    int total = 200;
    CallEvents events = new CallEvents(5);
    DeliveryCounter deliveries = new DeliveryCounter();
    ServerServiceDefinition service = Bind.clientStreaming(CLIENT_STREAMING, requests -> {
      int n = 0;
      for (Message m; (m = requests.recv()) != null; n++) {
        assertThat(seq(m)).isEqualTo(n);
        if (n == 0) {
          // Fall behind: let the transport deliver all it was asked for before taking more.
          awaitUntil("all requested messages delivered, or the call ended",
              () -> deliveries.delivered() >= Math.min(events.requested(), total)
                  || events.ended.isDone());
        }
      }
      return msg("received " + n);
    });
    try (CapturedLog log = new CapturedLog();
        TestServer server = TestServer.start(transport, service, deliveries, events);
        ClientSendStream<Message, Message> stream =
            BlockingClientCalls.clientStreaming(server.channel(), CLIENT_STREAMING)) {
      for (int i = 0; i < total && stream.send(msg(i)); i++) {
        // small messages: none of these waits long
      }
      String answer;
      try {
        answer = stream.closeAndRecv().getText();
      } catch (StatusException e) {
        answer = e.getStatus().toString();
      }
      assertThat(answer).as("the answer; logged: %s", log.describe())
          .isEqualTo("received " + total);
      assertThat(log.records()).as("warnings logged").isEmpty();
    }
  }
}
