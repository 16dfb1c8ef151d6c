package dev.grpcloop.echo;

import dev.grpcloop.serving.ExampleServer;

/**
 * Serves {@link EchoService}. Usage: {@code EchoServer [--port N] [--tls-cert CERT.pem --tls-key
 * KEY.pem]} (default port 50051; 0 picks one; plaintext unless given a certificate).
 */
public final class EchoServer {
  private EchoServer() {}

  public static void main(String[] args) throws Exception {
    ExampleServer.run("echo", args, new EchoService());
  }
}
