package com.example;

import dev.grpcloop.adapter.ClientRecvStream;
import dev.grpcloop.adapter.ClientSendStream;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.numbers.proto.Number;
import dev.grpcloop.numbers.proto.NumbersLoop;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

// snippet:copy-path-client
/** Calls each method of numbers.Numbers once. Usage: Client [PORT]. */
public final class Client {
  public static void main(String[] args) throws Exception {
    String target = "localhost:" + (args.length > 0 ? args[0] : "50051");
    ManagedChannel channel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    NumbersLoop.Stub numbers = NumbersLoop.newStub(channel);
    try {
      System.out.println("square: " + numbers.square(number(7)).getValue());

      try (ClientRecvStream<Number> countdown = numbers.countdown(number(3))) {
        for (Number n; (n = countdown.recv()) != null; ) {
          System.out.println("countdown: " + n.getValue());
        }
      }

      try (ClientSendStream<Number, Number> sum = numbers.sum()) {
        for (long i = 1; i <= 4; i++) {
          sum.send(number(i));
        }
        System.out.println("sum: " + sum.closeAndRecv().getValue());
      }

      try (ClientStream<Number, Number> running = numbers.runningSum()) {
        running.startSender(() -> {
          for (long i = 1; i <= 3; i++) {
            running.send(number(i));
          }
        });
        for (Number total; (total = running.recv()) != null; ) {
          System.out.println("running sum: " + total.getValue());
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  private static Number number(long value) {
    return Number.newBuilder().setValue(value).build();
  }
}
// end-snippet
