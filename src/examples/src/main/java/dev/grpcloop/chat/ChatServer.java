package dev.grpcloop.chat;

import dev.grpcloop.serving.ExampleServer;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * Serves one chat room, {@link ChatService}, logging joins and leaves to standard output. Usage:
 * {@code ChatServer [--port N] [--tls-cert CERT.pem --tls-key KEY.pem]} (default port 50051; 0
 * picks one; plaintext unless given a certificate, as members on other machines want).
 */
public final class ChatServer {
  private ChatServer() {}

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  /** Starts the room on {@code --port} and serves until SIGTERM or Ctrl-C. */
  public static void main(String[] args) throws Exception {
    ChatService room = new ChatService(ChatService.DEFAULT_OUTBOX_CAPACITY,
        line -> System.out.println(LocalTime.now().format(TIME) + " " + line));
    ExampleServer.run("chat", args, room);
  }
}
