package dev.grpcloop.numbers;

import dev.grpcloop.adapter.ClientRecvStream;
import dev.grpcloop.adapter.ClientSendStream;
import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.numbers.proto.Number;
import dev.grpcloop.numbers.proto.NumbersLoop;
import dev.grpcloop.serving.CommandLine;
import dev.grpcloop.serving.ExampleClient;
import dev.grpcloop.serving.ParentWatch;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls each method of {@code numbers.Numbers} once and prints what came back. Usage: {@code
 * NumbersClient [--host H] [--port N] [--tls-ca CA.pem] [N]} (default 5).
 */
public final class NumbersClient {
  private NumbersClient() {}

  /** Runs the client; exits 0 if every call worked, 1 if one failed, 2 on bad options. */
  public static void main(String[] args) throws InterruptedException {
    ParentWatch.startIfAsked("numbers client", System.err);
    System.exit(run(args, System.out, System.err));
  }

  /**
   * The client's work, with its streams: results to {@code out}, what went wrong to {@code err};
   * returns the exit code ({@link ExampleClient#OK}, {@link ExampleClient#CALL_FAILED} or {@link
   * ExampleClient#BAD_OPTIONS}).
   */
  static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
    long n;
    ManagedChannel channel;
    try {
      CommandLine commandLine = CommandLine.parse(args, ExampleClient.OPTIONS);
      n = commandLine.operands().isEmpty() ? 5 : number(commandLine.operands().get(0));
      channel = ExampleClient.channel(commandLine);
    } catch (IllegalArgumentException e) {
      err.println("numbers client: " + e.getMessage());
      err.println("usage: NumbersClient [--host H] [--port N] [--tls-ca CA.pem] [N]");
      return ExampleClient.BAD_OPTIONS;
    }
    try {
      printAll(channel, n, out);
      return ExampleClient.OK;
    } catch (StatusException e) {
      err.println("numbers client: the call failed: " + ExampleClient.describe(e.getStatus()));
      return ExampleClient.CALL_FAILED;
    } finally {
      ExampleClient.close(channel);
    }
  }

  private static long number(String n) {
    try {
      return Long.parseLong(n);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("N is a whole number, not " + n);
    }
  }

  static void printAll(Channel channel, long n, PrintStream out)
      throws InterruptedException, StatusException {
    NumbersLoop.Stub numbers = NumbersLoop.newStub(channel);
    out.println("square(" + n + ") = " + square(numbers, n));
    out.println("countdown(" + n + ") = " + countdown(numbers, n));
    List<Long> upTo = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      upTo.add(i);
    }
    out.println("sum" + upTo + " = " + sum(numbers, upTo));
    out.println("runningSum" + upTo + " = " + runningSum(numbers, upTo));
  }

  // snippet:unary-client
  static long square(NumbersLoop.Stub numbers, long n)
      throws InterruptedException, StatusException {
    return numbers.square(Number.newBuilder().setValue(n).build()).getValue();
  }
  // end-snippet

  // snippet:server-streaming-client
  static List<Long> countdown(NumbersLoop.Stub numbers, long from)
      throws InterruptedException, StatusException {
    List<Long> received = new ArrayList<>();
    try (ClientRecvStream<Number> stream =
        numbers.countdown(Number.newBuilder().setValue(from).build())) {
      for (Number n; (n = stream.recv()) != null; ) { // null: the server finished, OK
        received.add(n.getValue());
      }
    }
    return received;
  }
  // end-snippet

  // snippet:client-streaming-client
  static long sum(NumbersLoop.Stub numbers, List<Long> values)
      throws InterruptedException, StatusException {
    try (ClientSendStream<Number, Number> stream = numbers.sum()) {
      for (long n : values) {
        if (!stream.send(Number.newBuilder().setValue(n).build())) {
          break; // the call is over: closeAndRecv tells why
        }
      }
      return stream.closeAndRecv().getValue(); // half-closes, waits for the one response
    }
  }
  // end-snippet

  // snippet:bidi-client
  static List<Long> runningSum(NumbersLoop.Stub numbers, List<Long> values)
      throws InterruptedException, StatusException {
    List<Long> totals = new ArrayList<>();
    try (ClientStream<Number, Number> stream = numbers.runningSum()) {
      stream.startSender(() -> { // closeSend() when it returns, like Go's defer
        for (long n : values) {
          if (!stream.send(Number.newBuilder().setValue(n).build())) {
            return;
          }
        }
      });
      for (Number total; (total = stream.recv()) != null; ) {
        totals.add(total.getValue());
      }
    }
    return totals;
  }
  // end-snippet
}
