package dev.grpcloop.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * What docs/proxy.md says passes through both proxies, checked through one of them started with
 * the page's configuration in front of an {@link EchoBackend}. Subclasses name the proxy and add
 * what the page says of it alone. Every test is skipped when the proxy is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
abstract class ProxiedCalls {
  /** 64 KiB of text: 24 such parts make a client stream of 1.5 MiB. */
  private static final String PART = "p".repeat(64 * 1024);

  /** The proxies' files (configurations, logs), kept after the run for a look at a failure. */
  Path dir;

  EchoBackend backend;

  /** A channel to the proxy that runs the page's main configuration. */
  ManagedChannel channel;
  private Path binary;
  private final List<AutoCloseable> closing = new ArrayList<>();

  /** The proxy's executable, as found on the PATH. */
  abstract String binaryName();

  /** How grpc-java describes the reset this proxy sends when the server resets a stream. */
  abstract String resetByTheProxy();

  /**
   * How a handler may see the client's end when the proxy gives up on a call: a cancel, or its
   * own timer; behind haproxy 2.6 also a clean end-of-stream (docs/proxy.md, issue 172).
   */
  List<String> handlerEndsWhenTheClientGivesUp() {
    return List.of(Status.Code.DEADLINE_EXCEEDED.name(), Status.Code.CANCELLED.name());
  }

  /** Starts the proxy with the page's main configuration for it, in front of the backend. */
  abstract Proxy startPageProxy(Path binary, Path dir) throws IOException;

  @BeforeAll
  void start() throws Exception {
    Optional<Path> found = Proxy.binary(binaryName());
    if (found.isEmpty()) {
      System.out.println(getClass().getSimpleName() + ": skipped, " + missing()); // where runs show
      return;
    }
    binary = found.get();
    dir = Path.of("target", "proxy-tests", getClass().getSimpleName()).toAbsolutePath();
    deleteTree(dir);
    System.out.println(getClass().getSimpleName() + ": "
        + Proxy.version(binary, "-v").lines().findFirst().orElse("?"));
    backend = closeLater(EchoBackend.start());
    channel = channelTo(
        closeLater(startPageProxy(binary, Files.createDirectories(dir.resolve("page")))));
  }

  /** Each test is skipped, and counted so, when the proxy is not installed. */
  @BeforeEach
  void needsTheProxy() {
    assumeTrue(binary != null, missing());
  }

  private String missing() {
    return binaryName() + " is not installed, so docs/proxy.md's configuration for it is not"
        + " checked; to check it: apt-get install " + binaryName();
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (Files.exists(root)) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** Closes {@code resource} after the class's tests, in reverse order of registration. */
  <T extends AutoCloseable> T closeLater(T resource) {
    closing.add(resource);
    return resource;
  }

  /** Starts another proxy for one test with {@code config}, closed after the class's tests. */
  Proxy startAnother(String name, ProxyStarter starter) throws IOException {
    Path own = dir.resolve(name);
    Files.createDirectories(own);
    return closeLater(starter.start(binary, own));
  }

  /** How a subclass starts a proxy of its kind from a configuration. */
  @FunctionalInterface
  interface ProxyStarter {
    Proxy start(Path binary, Path dir) throws IOException;
  }

  /** A plaintext channel to {@code proxy}, shut down after the class's tests. */
  ManagedChannel channelTo(Proxy proxy) {
    ManagedChannel ch = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", proxy.port(), InsecureChannelCredentials.create()).build();
    closeLater(() -> ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    return ch;
  }

  @Test
  void unaryAndBidiCallsPassInOrder() throws Exception {
    backend.forwardedFor.clear();
    ProxiedCall unary = ProxiedCall.start(channel, EchoBackend.UNARY).send("hello");
    unary.halfClose();
    assertThat(unary.nextMessage()).isEqualTo("hello");
    assertThat(unary.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    assertThat(backend.forwardedFor.poll(10, TimeUnit.SECONDS)).as("x-forwarded-for")
        .isEqualTo("127.0.0.1");

    int count = 200;
    List<String> echoed = new ArrayList<>();
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(channel, EchoServiceGrpc.getEchoStreamMethod())) {
      stream.startSender(() -> {
        for (int i = 0; i < count; i++) {
          if (!stream.send(Message.newBuilder().setText("m" + i).build())) {
            return;
          }
        }
      });
      for (Message m; (m = stream.recv()) != null; ) {
        echoed.add(m.getText());
      }
    }
    assertThat(echoed).hasSize(count);
    for (int i = 0; i < count; i++) {
      assertThat(echoed.get(i)).isEqualTo("m" + i);
    }
  }

  @Test
  void aStatusWithItsDescriptionAndTrailersArrives() throws Exception {
    ProxiedCall call = ProxiedCall.start(channel, EchoBackend.UNARY).send("fail");
    call.halfClose();
    Status status = call.awaitStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).isEqualTo("asked to fail");
    assertThat(call.awaitTrailers().get(EchoBackend.TRAILER)).isEqualTo("fail");
  }

  @Test
  void aDeadlineArrivesAsDeadlineExceededAndTheHandlerSeesIt() throws Exception {
    backend.quietCalls.clear();
    backend.quietEnds.clear();
    ProxiedCall call = ProxiedCall.start(channel, EchoBackend.QUIET,
        CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS)).send("are you there?");
    assertThat(call.nextMessage()).isEqualTo("are you there?");
    // No half-close: the handler waits in recv until the deadline ends the call. The server's
    // own reset at its deadline can come first, as the proxy's INTERNAL (the page's 5 of 160).
    Status status = call.awaitStatus();
    if (status.getCode() == Status.Code.INTERNAL) {
      assertThat(status.getDescription()).as("%s", status).contains(resetByTheProxy());
    } else {
      assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
    EchoBackend.QuietCall seen = backend.quietCalls.poll(10, TimeUnit.SECONDS);
    assertThat(seen.deadlineMillis()).as("the handler's time left (grpc-timeout forwarded)")
        .isNotNull().isBetween(1L, 1000L);
    // The server learns from its own timer or from the client's reset, whichever comes first.
    assertThat(backend.quietEnds.poll(10, TimeUnit.SECONDS))
        .isIn(handlerEndsWhenTheClientGivesUp());
  }

  @Test
  void aClientStreamOfOneAndAHalfMebibytesPassesAndIsStored() throws Exception {
    backend.uploadEnds.clear();
    backend.store.committed.clear();
    ProxiedCall call = upload(channel, 24);
    call.send("end of 24").halfClose();
    assertThat(call.nextMessage()).isEqualTo("stored 24");
    assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    assertThat(backend.uploadEnds.poll(10, TimeUnit.SECONDS)).isEqualTo(EchoBackend.STORED);
    List<String> stored = backend.store.committed.poll(10, TimeUnit.SECONDS);
    assertThat(stored).hasSize(24).allMatch(PART::equals);
  }

  @Test
  void theHandlerNeverStoresAnAbandonedUpload() throws Exception {
    List<String> ends = abandonUploads(channel, 10);
    // A cancel, or (behind haproxy 2.6) an end-of-stream without the last part: never stored.
    assertThat(ends).allMatch(
        end -> end.equals(Status.Code.CANCELLED.name()) || end.equals(Status.Code.ABORTED.name()));
    assertThat(backend.store.committed).isEmpty();
    System.out.println(getClass().getSimpleName() + ": abandoned uploads that reached the handler"
        + " as end-of-stream: " + ends.stream().filter(Status.Code.ABORTED.name()::equals).count()
        + " of " + ends.size());
  }

  /**
   * Starts an upload through {@code ch} and sends {@code parts} parts of 64 KiB; its last part
   * ("end of N") is the caller's to send, or not.
   */
  static ProxiedCall upload(ManagedChannel ch, int parts) {
    ProxiedCall call = ProxiedCall.start(ch, EchoBackend.UPLOAD);
    for (int i = 0; i < parts; i++) {
      call.send(PART);
    }
    return call;
  }

  /**
   * Abandons {@code runs} uploads through {@code ch}: each sends three parts, and is cancelled
   * once the server has them, before its last part and its half-close. Returns how each handler
   * ended, in order.
   */
  List<String> abandonUploads(ManagedChannel ch, int runs) throws Exception {
    backend.uploadEnds.clear();
    backend.store.committed.clear();
    backend.uploadParts.drainPermits();
    List<String> ends = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      ProxiedCall call = ProxiedCall.start(ch, EchoBackend.UPLOAD).send("a").send("b").send("c");
      assertThat(backend.uploadParts.tryAcquire(3, 10, TimeUnit.SECONDS))
          .as("the server has the three parts").isTrue();
      call.cancel();
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.CANCELLED);
      String end = backend.uploadEnds.poll(10, TimeUnit.SECONDS);
      assertThat(end).as("how handler %d ended", run).isNotNull();
      ends.add(end);
    }
    return ends;
  }

  /**
   * Makes one call through {@code ch}, so that the proxy has a server connection, then opens
   * {@code count} {@link EchoBackend#QUIET} calls at once, each echoed once, and returns the
   * server connections (the proxy's addresses) they arrived on.
   */
  Set<SocketAddress> serverConnectionsOf(ManagedChannel ch, int count) throws Exception {
    ProxiedCall first = ProxiedCall.start(ch, EchoBackend.UNARY).send("first");
    first.halfClose();
    assertThat(first.awaitStatus().getCode()).isEqualTo(Status.Code.OK); // a server connection
    backend.quietCalls.clear();
    backend.quietEnds.clear();
    List<ProxiedCall> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      calls.add(ProxiedCall.start(ch, EchoBackend.QUIET).send("call " + i));
    }
    for (int i = 0; i < count; i++) {
      assertThat(calls.get(i).nextMessage()).isEqualTo("call " + i); // all open at once now
    }
    Set<SocketAddress> remotes = new HashSet<>();
    for (int i = 0; i < count; i++) {
      remotes.add(backend.quietCalls.poll(10, TimeUnit.SECONDS).remote());
    }
    for (ProxiedCall call : calls) {
      call.halfClose();
      assertThat(call.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    }
    return remotes;
  }
}
