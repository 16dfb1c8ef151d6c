package dev.grpcloop.chat;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.chat.proto.ChatServiceLoop;
import dev.grpcloop.chat.proto.ClientMessage;
import dev.grpcloop.chat.proto.Join;
import dev.grpcloop.chat.proto.ServerMessage;
import dev.grpcloop.serving.CommandLine;
import dev.grpcloop.serving.ExampleClient;
import dev.grpcloop.serving.ParentWatch;
import io.grpc.ManagedChannel;
import io.grpc.StatusException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.function.Consumer;

/**
 * An interactive terminal client for {@link ChatService}, built the Go article's way: one thread
 * sends the lines typed on standard input while the main thread prints the room's messages as they
 * arrive. Usage: {@code ChatClient --name NAME [--host H] [--port N] [--tls-ca CA.pem]}.
 *
 * <p>{@code /quit} (or end of input, Ctrl-D) half-closes the stream: the server announces the leave
 * and ends the call. Ctrl-C cancels the stream from a shutdown hook; a killed client's connection
 * simply drops. Either way the server sees a cancelled call and announces the leave.
 */
public final class ChatClient {
  private ChatClient() {}

  /** What the user types to leave. */
  static final String QUIT = "/quit";

  /** Runs the client; exits 0 after a clean leave, 1 if the call failed, 2 on bad options. */
  public static void main(String[] args) throws InterruptedException {
    ParentWatch.startIfAsked("chat client", System.err);
    int exitCode = run(args, System.in, System.out, System.err,
        onStop -> Runtime.getRuntime().addShutdownHook(new Thread(onStop, "chat-client-stop")));
    // Ends the JVM even while the sender thread still waits for a line from the terminal.
    System.exit(exitCode);
  }

  /**
   * The client's work, with its streams: the room to {@code out}, bad options to {@code err};
   * {@code onStop} is handed what to run if the JVM is stopped (Ctrl-C, SIGTERM) mid-call. Returns
   * the exit code ({@link ExampleClient#OK}, {@link ExampleClient#CALL_FAILED} or {@link
   * ExampleClient#BAD_OPTIONS}).
   */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err,
      Consumer<Runnable> onStop) throws InterruptedException {
    CommandLine commandLine;
    ManagedChannel channel;
    try {
      commandLine = CommandLine.parse(args, ExampleClient.options("--name"));
      if (commandLine.option("--name", "").isEmpty()) {
        throw new IllegalArgumentException("--name is required: the name others see you by");
      }
      channel = ExampleClient.channel(commandLine);
    } catch (IllegalArgumentException e) {
      err.println("chat client: " + e.getMessage());
      err.println("usage: ChatClient --name NAME [--host H] [--port N] [--tls-ca CA.pem]");
      return ExampleClient.BAD_OPTIONS;
    }
    ClientStream<ClientMessage, ServerMessage> stream = ChatServiceLoop.newStub(channel).chat();
    // Ctrl-C (SIGINT) or SIGTERM: cancel, and let the cancel reach the server before the JVM goes.
    onStop.accept(() -> {
      stream.cancel("the client was stopped", null);
      ExampleClient.close(channel);
    });
    BufferedReader typed = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    try (stream) {
      return talk(stream, commandLine.option("--name", ""), typed, out);
    } finally {
      ExampleClient.close(channel);
    }
  }

  /**
   * Joins the room as {@code name}, sends each line read from {@code typed} from a sender thread,
   * and prints every message from the room to {@code out} until the call ends.
   *
   * @return 0 if the user left cleanly, 1 if the call ended with an error (printed to {@code out})
   */
  static int talk(ClientStream<ClientMessage, ServerMessage> stream, String name,
      BufferedReader typed, PrintStream out) throws InterruptedException {
    // The sender thread: the join, then each typed line; closeSend() when it returns.
    stream.startSender(() -> {
      ClientMessage join =
          ClientMessage.newBuilder().setJoin(Join.newBuilder().setName(name)).build();
      if (!stream.send(join)) {
        return; // the call is over: recv() below tells why
      }
      for (String line; (line = typed.readLine()) != null && !line.equals(QUIT); ) {
        if (line.isBlank()) {
          continue; // Enter on nothing: the server would refuse it, and it is not worth a message
        }
        String tooLong = tooLong(line);
        if (tooLong != null) {
          out.println("* not sent: " + tooLong);
        } else if (!stream.send(ClientMessage.newBuilder().setText(line).build())) {
          return;
        }
      }
    });
    // The main thread prints the room's messages as they arrive.
    ChatFormat format = new ChatFormat(ZoneId.systemDefault());
    try {
      for (;;) {
        ServerMessage msg = stream.recv();
        if (msg == null) {
          out.println("* you left the room");
          return 0;
        }
        out.println(format.line(msg));
      }
    } catch (StatusException e) {
      out.println(ChatFormat.ended(e.getStatus()));
      return 1;
    }
  }

  /** Says why a line is too long for the server, sparing the user a disconnect; null if it fits. */
  private static String tooLong(String line) {
    int length = line.codePointCount(0, line.length());
    if (length > ChatRules.MAX_TEXT_LENGTH) {
      return "the line has " + length + " characters; the limit is " + ChatRules.MAX_TEXT_LENGTH;
    }
    return null;
  }
}
