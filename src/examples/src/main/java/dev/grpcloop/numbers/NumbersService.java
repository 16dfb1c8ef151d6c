package dev.grpcloop.numbers;

import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerSendStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.numbers.proto.Number;
import dev.grpcloop.numbers.proto.NumbersLoop;
import io.grpc.Status;

/**
 * {@code numbers.Numbers}: the four kinds of RPC, each handler the simplest loop of its kind, for
 * the tutorial, on the blocking API generated from {@code proto/numbers.proto} ({@link
 * NumbersLoop}).
 */
public final class NumbersService extends NumbersLoop.ImplBase {

  /** The longest countdown a client may ask for. */
  static final long MAX_COUNTDOWN = 1_000;

  // snippet:unary-handler
  /** Unary: the request in, the response returned. */
  @Override
  public Number square(Number request, ServerCallScope call) {
    return Number.newBuilder().setValue(request.getValue() * request.getValue()).build();
  }
  // end-snippet

  // snippet:server-streaming-handler
  /** Server streaming: the request in, responses sent until the handler returns. */
  @Override
  public void countdown(Number from, ServerSendStream<Number> numbers) throws Exception {
    if (from.getValue() < 0 || from.getValue() > MAX_COUNTDOWN) {
      throw Status.INVALID_ARGUMENT
          .withDescription("count down from 0 to " + MAX_COUNTDOWN).asException();
    }
    for (long i = from.getValue(); i >= 0; i--) {
      numbers.send(Number.newBuilder().setValue(i).build()); // waits while the client is behind
    }
  }
  // end-snippet

  // snippet:client-streaming-handler
  /** Client streaming: requests received until end-of-stream, the response returned. */
  @Override
  public Number sum(ServerRecvStream<Number> numbers) throws Exception {
    long sum = 0;
    for (Number n; (n = numbers.recv()) != null; ) { // null: the client finished
      sum += n.getValue();
    }
    return Number.newBuilder().setValue(sum).build();
  }
  // end-snippet

  // snippet:bidi-handler
  /** Bidirectional: the Go article's loop, one answer per request. */
  @Override
  public void runningSum(ServerStream<Number, Number> stream) throws Exception {
    long sum = 0;
    for (Number n; (n = stream.recv()) != null; ) {
      sum += n.getValue();
      stream.send(Number.newBuilder().setValue(sum).build());
    }
  }
  // end-snippet
}
