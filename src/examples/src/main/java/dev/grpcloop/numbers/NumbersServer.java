package dev.grpcloop.numbers;

import dev.grpcloop.serving.ExampleServer;

/**
 * Serves {@link NumbersService}. Usage: {@code NumbersServer [--port N] [--tls-cert CERT.pem
 * --tls-key KEY.pem]} (default port 50051; plaintext unless given a certificate).
 */
public final class NumbersServer {
  private NumbersServer() {}

  public static void main(String[] args) throws Exception {
    ExampleServer.run("numbers", args, new NumbersService());
  }
}
