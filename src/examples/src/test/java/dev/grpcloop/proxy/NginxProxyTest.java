package dev.grpcloop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.BlockingClientCalls;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/proxy.md's nginx configuration, run: what passes through both proxies ({@link
 * ProxiedCalls}), and what the page says of nginx alone. Skipped when nginx is not installed.
 */
@Timeout(60)
class NginxProxyTest extends ProxiedCalls {
  private static final String CONFIG = "nginx";

  @Override
  String binaryName() {
    return "nginx";
  }

  @Override
  String resetByTheProxy() {
    return "HTTP/2 error code: INTERNAL_ERROR";
  }

  @Override
  Proxy startPageProxy(Path binary, Path dir) throws IOException {
    return Proxy.nginx(binary, ProxyPage.config(CONFIG), backend.port(), dir);
  }

  private Proxy startWith(String name, String block) throws IOException {
    return startAnother(name, (binary, dir) -> Proxy.nginx(binary, block, backend.port(), dir));
  }

  @Test
  void aCancelReachesTheHandlerAsACancel() throws Exception {
    assertThat(abandonUploads(channel, 10)).hasSize(10).containsOnly(Status.Code.CANCELLED.name());
  }

  @Test
  void eachCallHasAServerConnectionOfItsOwn() throws Exception {
    assertThat(serverConnectionsOf(channel, 5)).hasSize(5);
  }

  @Test
  void withoutClientMaxBodySizeZeroAClientStreamOverOneMebibyteIsCutOff() throws Exception {
    Proxy defaults = startWith("body-size", ProxyPage.replaceOnce(
        ProxyPage.config(CONFIG), "client_max_body_size 0;", ""));
    ManagedChannel ch = channelTo(defaults);

    // Before the server's response headers: nginx's 413 page, read as a gRPC reply.
    backend.uploadEnds.clear();
    backend.store.committed.clear();
    ProxiedCall call = upload(ch, 24);
    call.send("end of 24").halfClose();
    Status status = call.awaitStatus();
    assertThat(status.getCode()).as(defaults.log()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(status.getDescription()).contains("HTTP status code 413");
    assertThat(backend.uploadEnds.poll(10, TimeUnit.SECONDS))
        .isEqualTo(Status.Code.CANCELLED.name());
    assertThat(backend.store.committed).isEmpty();
    assertThat(defaults.log()).contains("client intended to send too large");

    // After them (the echo server answers each message): a reset, INTERNAL.
    Status.Code echoEnd = null;
    int echoed = 0;
    try (ClientStream<Message, Message> stream =
        BlockingClientCalls.bidiStreaming(ch, EchoServiceGrpc.getEchoStreamMethod())) {
      stream.startSender(() -> {
        for (int i = 0; i < 24; i++) {
          if (!stream.send(Message.newBuilder().setText("p".repeat(64 * 1024)).build())) {
            return;
          }
        }
      });
      while (stream.recv() != null) {
        echoed++;
      }
    } catch (StatusException e) {
      echoEnd = e.getStatus().getCode();
    }
    assertThat(echoEnd).as("after %d echoes", echoed).isEqualTo(Status.Code.INTERNAL);
    assertThat(echoed).isLessThan(24);
  }

  @Test
  void withTheTimeoutsAtOneSecondAQuietStreamIsResetAndATalkingOneIsNot() throws Exception {
    String block = ProxyPage.replaceOnce(ProxyPage.replaceOnce(ProxyPage.config(CONFIG),
        "client_body_timeout 1h;", "client_body_timeout 1s;"),
        "grpc_read_timeout 1h;", "grpc_read_timeout 1s;");
    ManagedChannel ch = channelTo(startWith("timeouts", block));
    backend.quietEnds.clear();
    ProxiedCall quiet = ProxiedCall.start(ch, EchoBackend.QUIET).send("quiet");
    ProxiedCall talking = ProxiedCall.start(ch, EchoBackend.QUIET).send("talk 0");
    assertThat(quiet.nextMessage()).isEqualTo("quiet");
    assertThat(talking.nextMessage()).isEqualTo("talk 0");
    // A message each way every 300 ms, for 3 s: three times the timeouts.
    for (int i = 1; i <= 10; i++) {
      assertThat(talking.statusWithin(Duration.ofMillis(300))).as("talking, still open").isNull();
      assertThat(talking.send("talk " + i).nextMessage()).isEqualTo("talk " + i);
    }
    assertThat(quiet.statusWithin(Duration.ZERO)).as("the quiet stream, ended by now")
        .isNotNull().extracting(Status::getCode).isEqualTo(Status.Code.INTERNAL);
    talking.halfClose();
    assertThat(talking.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    assertThat(List.of(backend.quietEnds.take(), backend.quietEnds.take()))
        .containsExactlyInAnyOrder(Status.Code.CANCELLED.name(), EchoBackend.END_OF_STREAM);
  }
}
