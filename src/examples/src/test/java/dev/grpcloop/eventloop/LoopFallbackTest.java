package dev.grpcloop.eventloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.LogCapture;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where the JDK refuses a virtual-thread scheduler, the mode says so in one WARNING line and the
 * server runs on ordinary virtual threads: here with the hook made to fail, and in a JVM started
 * without {@code --add-opens java.base/java.lang}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoopFallbackTest {

  @Test
  void refusedHookLogsOneLineAndHandlersRunOnOrdinaryVirtualThreads() throws Exception {
    try (LogCapture log = new LogCapture(EventLoopHandlers.class.getName());
        LoopServer server = LoopServer.start(
            b -> EventLoopHandlers.configure(b, EventLoopHandlers.Options.DEFAULT, () -> {
              throw new UnsupportedOperationException("no custom schedulers in this test");
            }),
            stream -> {
              stream.recv();
              stream.send(LoopServer.message(LoopServer.carrierName(Thread.currentThread())));
            })) {
      assertThat(server.loops.handlersOnEventLoops()).isFalse();
      try (ClientStream<Message, Message> stream = LoopServer.open(server.connect())) {
        assertThat(LoopServer.ask(stream, "where")).startsWith("ForkJoinPool");
      }
      assertThat(log.records()).singleElement().satisfies(record -> {
        assertThat(record.getLevel()).isEqualTo(Level.WARNING);
        assertThat(record.getMessage())
            .contains("ordinary virtual threads")
            .contains("no custom schedulers in this test")
            .contains("--add-opens java.base/java.lang=ALL-UNNAMED");
      });
    }
    assertThat(LoopServer.liveLoopThreads()).isEmpty();
  }

  @Test
  void jvmWithoutTheAddOpensFallsBack() throws Exception {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElseThrow(),
        "--enable-native-access=ALL-UNNAMED",
        "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled",
        "-cp", System.getProperty("java.class.path"),
        FallbackMain.class.getName()));
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String out;
    try {
      out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } catch (IOException | InterruptedException | AssertionError e) {
      process.destroyForcibly();
      throw e;
    }
    assertThat(process.exitValue()).as(out).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines.stream().filter(l -> l.startsWith("log ")))
        .as(out)
        .singleElement()
        .satisfies(l -> assertThat(l)
            .startsWith("log WARNING grpc-loop: handler threads stay off the event loops")
            .contains("does not open java.lang")
            .contains("--add-opens java.base/java.lang=ALL-UNNAMED"));
    assertThat(lines).as(out).contains("onLoops false");
    assertThat(lines.stream().filter(l -> l.startsWith("handler ")))
        .singleElement()
        .satisfies(l -> assertThat(l).startsWith("handler ForkJoinPool"));
  }
}
