package dev.grpcloop.echo;

import dev.grpcloop.echo.proto.EchoServiceLoop;
import dev.grpcloop.serving.ExampleServer;

/**
 * Serves {@link EchoService}. Usage: {@code EchoServer [--port N] [--tls-cert CERT.pem --tls-key
 * KEY.pem] [--event-loop] [--help]} (default port 50051; 0 picks one; plaintext unless given a
 * certificate; {@code --event-loop}: each handler on the event loop serving its call, see {@link
 * ExampleServer#EVENT_LOOP}).
 */
public final class EchoServer {
  private EchoServer() {}

  public static void main(String[] args) throws Exception {
    EchoService echo = new EchoService();
    ExampleServer.run("echo", args, options -> EchoServiceLoop.bindService(echo, options));
  }
}
