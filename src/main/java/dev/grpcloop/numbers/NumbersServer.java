package dev.grpcloop.numbers;

import dev.grpcloop.serving.ExampleServer;

/** Serves {@link NumbersService}. Usage: {@code NumbersServer [--port N]} (default 50051). */
public final class NumbersServer {
  private NumbersServer() {}

  public static void main(String[] args) throws Exception {
    ExampleServer.run("numbers", args, new NumbersService());
  }
}
