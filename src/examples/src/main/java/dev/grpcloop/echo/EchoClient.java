package dev.grpcloop.echo;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.echo.proto.Message;
import dev.grpcloop.serving.CommandLine;
import dev.grpcloop.serving.ExampleClient;
import dev.grpcloop.serving.ParentWatch;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

/**
 * The Go article's client for {@code echo.EchoService}: one thread sends lines while the main
 * thread prints each echo as it arrives. Usage: {@code EchoClient [--host H] [--port N] [--tls-ca
 * CA.pem] [LINE...]}; with no LINE it sends standard input, line by line, until end of input
 * (Ctrl-D).
 */
public final class EchoClient {
  private EchoClient() {}

  /** Runs the client; exits 0 once every line came back, 1 if the call failed, 2 on bad options. */
  public static void main(String[] args) throws InterruptedException {
    ParentWatch.startIfAsked("echo client", System.err);
    System.exit(run(args, System.in, System.out, System.err));
  }

  /**
   * The client's work, with its streams: echoes to {@code out}, says what went wrong to {@code
   * err}, and returns the exit code ({@link ExampleClient#OK}, {@link ExampleClient#CALL_FAILED}
   * or {@link ExampleClient#BAD_OPTIONS}).
   */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err)
      throws InterruptedException {
    CommandLine commandLine;
    ManagedChannel channel;
    try {
      commandLine = CommandLine.parse(args, ExampleClient.OPTIONS);
      channel = ExampleClient.channel(commandLine);
    } catch (IllegalArgumentException e) {
      err.println("echo client: " + e.getMessage());
      err.println("usage: EchoClient [--host H] [--port N] [--tls-ca CA.pem] [LINE...]");
      return ExampleClient.BAD_OPTIONS;
    }
    BufferedReader lines = commandLine.operands().isEmpty()
        ? new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
        : new BufferedReader(new StringReader(String.join("\n", commandLine.operands())));
    try {
      echo(channel, lines, out);
      return ExampleClient.OK;
    } catch (StatusException e) {
      err.println("echo client: the call failed: " + ExampleClient.describe(e.getStatus()));
      return ExampleClient.CALL_FAILED;
    } finally {
      ExampleClient.close(channel);
    }
  }

  /**
   * Sends every line of {@code lines} over one {@code EchoStream} and prints each echo to {@code
   * out} as {@code received: TEXT}, returning when the server has echoed them all and ended.
   *
   * @throws StatusException if the call fails
   */
  static void echo(Channel channel, BufferedReader lines, PrintStream out)
      throws InterruptedException, StatusException {
    // snippet:echo-client
    try (ClientStream<Message, Message> stream = EchoServiceLoop.newStub(channel).echoStream()) {
      // Send from a thread of its own; closeSend() when it returns, like Go's defer.
      stream.startSender(() -> {
        for (String line; (line = lines.readLine()) != null; ) {
          if (!stream.send(Message.newBuilder().setText(line).build())) {
            return; // the call is over: recv() below tells why
          }
        }
      });
      // The main thread receives.
      for (;;) {
        Message resp = stream.recv();
        if (resp == null) {
          return; // the server finished sending
        }
        out.println("received: " + resp.getText());
      }
    }
    // end-snippet
  }
}
