package dev.grpcloop.chat;

import dev.grpcloop.chat.proto.ChatServiceLoop;
import dev.grpcloop.serving.ExampleServer;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Serves one chat room, {@link ChatService}, logging joins and leaves to standard output. Usage:
 * {@code ChatServer [--port N] [--tls-cert CERT.pem --tls-key KEY.pem] [--event-loop] [--help]}
 * (default port 50051; 0 picks one; plaintext unless given a certificate, as members on other
 * machines want; {@code --event-loop}: each member's handler on the event loop serving its call,
 * see {@link ExampleServer#EVENT_LOOP}).
 */
public final class ChatServer {
  private ChatServer() {}

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  /** Starts the room on {@code --port} and serves until SIGTERM or Ctrl-C. */
  public static void main(String[] args) throws Exception {
    ChatService room = new ChatService(ChatService.DEFAULT_OUTBOX_CAPACITY,
        line -> System.out.println(LocalTime.now().format(TIME) + " " + line));
    // The room hears when the server stops, to send its members away saying why.
    ExampleServer.run("chat", args, builder -> {}, List.of(room),
        List.of(options -> ChatServiceLoop.bindService(room, options)));
  }
}
