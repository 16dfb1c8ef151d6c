package dev.grpcloop.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Clients that vanish without a goodbye: every echo handler blocked in recv() or send() on their
 * calls ends promptly with a CANCELLED StatusException thrown by that recv() or send(), and no
 * handler thread is left. grpc ended those calls, so the adapter sends nothing more on them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientVanishesTest {
  /** How long a handler may take to notice: generous for a loaded 2-core machine. */
  static final Duration PROMPTLY = Duration.ofSeconds(5);

  private final RecordingEcho echo = new RecordingEcho();

  @Test
  void channelShutdownNowEndsHandlersBlockedInRecvAndSend() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)))) {
      ManagedChannel channel = harness.newChannel();
      ManagedChannel stingy = harness.newStingyChannel();
      ClientStream<Message, Message> inRecv =
          EchoClients.leaveHandlerInRecv(channel, "recv", CallOptions.DEFAULT);
      ClientStream<Message, Message> inSend =
          EchoClients.leaveHandlerInSend(stingy, "send", CallOptions.DEFAULT);
      RecordedCall send = harness.recorder.awaitCall("send", PROMPTLY);
      RecordedCall.await(send.notReady, PROMPTLY, "the handler to block in send");

      long start = System.nanoTime();
      channel.shutdownNow();
      stingy.shutdownNow();

      assertHandlersEndedCancelled(harness, "recv", "send", start);
      inRecv.close();
      inSend.close();
    }
  }

  @Test
  void aKilledClientProcessEndsHandlersBlockedInRecvAndSend() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)))) {
      Process client = new ProcessBuilder(
              System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
              "--enable-native-access=ALL-UNNAMED",
              "-cp", System.getProperty("java.class.path"),
              VanishingClient.class.getName(), String.valueOf(harness.port()))
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      try {
        BufferedReader out = new BufferedReader(
            new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> readLine(out))
            .get(30, TimeUnit.SECONDS);
        assertThat(line).isEqualTo("ready");
        RecordedCall send = harness.recorder.awaitCall("child-send", PROMPTLY);
        RecordedCall.await(send.notReady, PROMPTLY, "the handler to block in send");

        long start = System.nanoTime();
        client.destroyForcibly();
        assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertHandlersEndedCancelled(harness, "child-recv", "child-send", start);
      } finally {
        client.destroyForcibly();
      }
    }
  }

  @Test
  void aConnectionResetMidFrameEndsAHandlerBlockedInRecv() throws Exception {
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)));
        RawHttp2Client raw = new RawHttp2Client(harness.port(), 65_535)) {
      raw.startCall(1, "/echo.EchoService/EchoStream");
      byte[] hello = Message.newBuilder().setText("hello").build().toByteArray();
      raw.sendPartialMessage(1, hello, 4); // 4 of the 5-byte gRPC prefix, then nothing
      RecordedCall call = awaitOnlyCall(harness);
      RecordedCall.await(call.requested, PROMPTLY, "the handler to wait in recv");

      long start = System.nanoTime();
      raw.reset();

      assertEndedCancelled(call, echo.awaitEnding(CallRecorder.UNTAGGED, PROMPTLY), "recv");
      printEnded("reset mid-frame, in recv", start);
      assertThat(harness.threads.awaitAllEnded(PROMPTLY)).isEmpty();
    }
  }

  @Test
  void aConnectionResetMidFrameEndsAHandlerBlockedInSend() throws Exception {
    // A flow-control window of 0: the server can send this client nothing at all.
    try (Harness harness = new Harness(threads -> List.of(echo.bindService(threads)));
        RawHttp2Client raw = new RawHttp2Client(harness.port(), 0)) {
      raw.startCall(1, "/echo.EchoService/EchoStream");
      // Three 20 KiB messages fit HTTP/2's initial 64 KiB window. Their first two echoes fill
      // grpc's 32 KiB outbound buffer, so the third echo waits in send().
      byte[] big = EchoClients.big(20 * 1024).toByteArray();
      for (int i = 0; i < 3; i++) {
        raw.sendMessage(1, big);
      }
      RecordedCall call = awaitOnlyCall(harness);
      RecordedCall.await(call.notReady, PROMPTLY, "the handler to block in send");
      raw.sendPartialMessage(1, "partial".getBytes(StandardCharsets.US_ASCII), 9);

      long start = System.nanoTime();
      raw.reset();

      assertEndedCancelled(call, echo.awaitEnding(CallRecorder.UNTAGGED, PROMPTLY), "send");
      printEnded("reset mid-frame, in send", start);
      assertThat(harness.threads.awaitAllEnded(PROMPTLY)).isEmpty();
    }
  }

  private static RecordedCall awaitOnlyCall(Harness harness) throws InterruptedException {
    // A raw call carries no id header: it is the server's only call.
    return harness.recorder.awaitCall(CallRecorder.UNTAGGED, PROMPTLY);
  }

  /** The calls tagged {@code recvId} and {@code sendId} ended in recv() and send(), CANCELLED. */
  private void assertHandlersEndedCancelled(
      Harness harness, String recvId, String sendId, long start) throws InterruptedException {
    assertEndedCancelled(harness.recorder.awaitCall(recvId, PROMPTLY),
        echo.awaitEnding(recvId, PROMPTLY), "recv");
    assertEndedCancelled(harness.recorder.awaitCall(sendId, PROMPTLY),
        echo.awaitEnding(sendId, PROMPTLY), "send");
    assertThat(harness.threads.awaitAllEnded(PROMPTLY)).as("handler threads left").isEmpty();
    printEnded(recvId + " and " + sendId, start);
  }

  private static void printEnded(String what, long start) {
    System.out.printf("vanished client (%s): handlers ended within %d ms%n",
        what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private static void assertEndedCancelled(
      RecordedCall call, RecordingEcho.Ending ending, String where) {
    assertThat(ending.where()).as(call.toString()).isEqualTo(where);
    assertThat(ending.statusCode()).as(call.toString()).isEqualTo(Status.Code.CANCELLED);
    assertThat(call.wasCancelled()).as(call.toString()).isTrue();
    // grpc ended the call: the adapter sends no status after it.
    assertThat(call.closes).as(call.toString()).hasValue(0);
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
