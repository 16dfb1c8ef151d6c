package dev.grpcloop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/proxy.md's haproxy configurations, run: what passes through both proxies ({@link
 * ProxiedCalls}), and what the page says of haproxy alone. Skipped when haproxy is not installed.
 */
@Timeout(60)
class HaproxyProxyTest extends ProxiedCalls {
  private static final String CONFIG = "haproxy";

  @Override
  String binaryName() {
    return "haproxy";
  }

  @Override
  String resetByTheProxy() {
    return "Received unexpected EOS on empty DATA frame from server";
  }

  @Override
  List<String> handlerEndsWhenTheClientGivesUp() {
    return List.of(Status.Code.DEADLINE_EXCEEDED.name(), Status.Code.CANCELLED.name(),
        EchoBackend.END_OF_STREAM);
  }

  @Override
  Proxy startPageProxy(Path binary, Path dir) throws IOException {
    return Proxy.haproxy(binary, ProxyPage.config(CONFIG), backend.port(), dir);
  }

  private Proxy startWith(String name, String config) throws IOException {
    return startAnother(name, (binary, dir) -> Proxy.haproxy(binary, config, backend.port(), dir));
  }

  @Test
  void callsShareAServerConnection() throws Exception {
    assertThat(serverConnectionsOf(channel, 5)).hasSize(1);
  }

  @Test
  void inTcpModeACancelReachesTheHandlerAsACancel() throws Exception {
    ManagedChannel tcp = channelTo(startWith("tcp", ProxyPage.config("haproxy-tcp")));
    assertThat(abandonUploads(tcp, 10)).hasSize(10).containsOnly(Status.Code.CANCELLED.name());
  }

  @Test
  void withTimeoutServerAtOneSecondAQuietStreamEndsAndATalkingOneDoesNot() throws Exception {
    ManagedChannel ch = channelTo(startWith("timeout", ProxyPage.replaceOnce(
        ProxyPage.config(CONFIG), "timeout server 1h", "timeout server 1s")));
    backend.quietEnds.clear();
    ProxiedCall quiet = ProxiedCall.start(ch, EchoBackend.QUIET).send("quiet");
    ProxiedCall talking = ProxiedCall.start(ch, EchoBackend.QUIET).send("talk 0");
    assertThat(quiet.nextMessage()).isEqualTo("quiet");
    assertThat(talking.nextMessage()).isEqualTo("talk 0");
    // A message each way every 300 ms, for 3 s: three times the timeout.
    for (int i = 1; i <= 10; i++) {
      assertThat(talking.statusWithin(Duration.ofMillis(300))).as("talking, still open").isNull();
      assertThat(talking.send("talk " + i).nextMessage()).isEqualTo("talk " + i);
    }
    Status ended = quiet.statusWithin(Duration.ZERO);
    assertThat(ended).as("the quiet stream, ended by now").isNotNull();
    assertThat(ended.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(ended.getDescription()).contains(resetByTheProxy());
    talking.halfClose();
    assertThat(talking.awaitStatus().getCode()).isEqualTo(Status.Code.OK);
    // The talking handler saw the client's end; the quiet one, haproxy's clean end or its reset.
    List<String> ends = new ArrayList<>();
    ends.add(backend.quietEnds.take());
    ends.add(backend.quietEnds.take());
    assertThat(ends.remove(EchoBackend.END_OF_STREAM)).as("ends %s", ends).isTrue();
    assertThat(ends.get(0)).isIn(EchoBackend.END_OF_STREAM, Status.Code.CANCELLED.name());
  }
}
