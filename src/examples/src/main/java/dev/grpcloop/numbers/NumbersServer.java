package dev.grpcloop.numbers;

import dev.grpcloop.numbers.proto.NumbersLoop;
import dev.grpcloop.serving.ExampleServer;

/**
 * Serves {@link NumbersService}. Usage: {@code NumbersServer [--port N] [--tls-cert CERT.pem
 * --tls-key KEY.pem] [--event-loop] [--help]} (default port 50051; plaintext unless given a
 * certificate; {@code --event-loop}: each handler on the event loop serving its call, see {@link
 * ExampleServer#EVENT_LOOP}).
 */
public final class NumbersServer {
  private NumbersServer() {}

  public static void main(String[] args) throws Exception {
    NumbersService numbers = new NumbersService();
    ExampleServer.run("numbers", args, options -> NumbersLoop.bindService(numbers, options));
  }
}
