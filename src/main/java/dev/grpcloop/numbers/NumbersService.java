package dev.grpcloop.numbers;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerSendStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.numbers.proto.Number;
import dev.grpcloop.numbers.proto.NumbersGrpc;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;

/**
 * {@code numbers.Numbers}: the four kinds of RPC, each handler the simplest loop of its kind, for
 * the tutorial.
 */
public final class NumbersService implements BindableService {

  /** The longest countdown a client may ask for. */
  static final long MAX_COUNTDOWN = 1_000;

  // snippet:unary-handler
  /** Unary: the request in, the response returned. */
  static Number square(Number request, ServerCallScope call) {
    return Number.newBuilder().setValue(request.getValue() * request.getValue()).build();
  }
  // end-snippet

  // snippet:server-streaming-handler
  /** Server streaming: the request in, responses sent until the handler returns. */
  static void countdown(Number from, ServerSendStream<Number> numbers) throws Exception {
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
  static Number sum(ServerRecvStream<Number> numbers) throws Exception {
    long sum = 0;
    for (Number n; (n = numbers.recv()) != null; ) { // null: the client finished
      sum += n.getValue();
    }
    return Number.newBuilder().setValue(sum).build();
  }
  // end-snippet

  // snippet:bidi-handler
  /** Bidirectional: the Go article's loop, one answer per request. */
  static void runningSum(ServerStream<Number, Number> stream) throws Exception {
    long sum = 0;
    for (Number n; (n = stream.recv()) != null; ) {
      sum += n.getValue();
      stream.send(Number.newBuilder().setValue(sum).build());
    }
  }
  // end-snippet

  @Override
  public ServerServiceDefinition bindService() {
    return BlockingServerCalls.service(NumbersGrpc.getServiceDescriptor(),
        BlockingServerCalls.unary(NumbersGrpc.getSquareMethod(), NumbersService::square),
        BlockingServerCalls.serverStreaming(
            NumbersGrpc.getCountdownMethod(), NumbersService::countdown),
        BlockingServerCalls.clientStreaming(NumbersGrpc.getSumMethod(), NumbersService::sum),
        BlockingServerCalls.bidiStreaming(
            NumbersGrpc.getRunningSumMethod(), NumbersService::runningSum));
  }
}
