package com.example;

import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerSendStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.numbers.proto.Number;
import dev.grpcloop.numbers.proto.NumbersLoop;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;

// snippet:copy-path-server
/** numbers.Numbers, each method the loop of its kind. Usage: Server [PORT] (0 picks one). */
public final class Server implements NumbersLoop.Service {

  @Override
  public Number square(Number n, ServerCallScope call) {
    return Number.newBuilder().setValue(n.getValue() * n.getValue()).build();
  }

  @Override
  public void countdown(Number from, ServerSendStream<Number> numbers) throws Exception {
    for (long i = from.getValue(); i >= 0; i--) {
      numbers.send(Number.newBuilder().setValue(i).build());
    }
  }

  @Override
  public Number sum(ServerRecvStream<Number> numbers) throws Exception {
    long sum = 0;
    for (Number n; (n = numbers.recv()) != null; ) {
      sum += n.getValue();
    }
    return Number.newBuilder().setValue(sum).build();
  }

  @Override
  public void runningSum(ServerStream<Number, Number> stream) throws Exception {
    long sum = 0;
    for (Number n; (n = stream.recv()) != null; ) {
      sum += n.getValue();
      stream.send(Number.newBuilder().setValue(sum).build());
    }
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 50051;
    io.grpc.Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
        .directExecutor() // safe: blocking handlers run on threads of their own
        .addService(NumbersLoop.bindService(new Server()))
        .build()
        .start();
    System.out.println("listening on port " + server.getPort());
    server.awaitTermination();
  }
}
// end-snippet
