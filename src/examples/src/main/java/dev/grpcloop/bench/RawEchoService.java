package dev.grpcloop.bench;

import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The echo as users write it today without the adapter: a StreamObserver that answers every
 * message as it arrives, with grpc's automatic flow control. It does the same work per message as
 * {@link dev.grpcloop.echo.EchoService} (a fresh message with the same text).
 *
 * <p>It counts its open calls, so the benchmark can tell when every stream has ended: raw calls
 * have no thread of their own to count.
 */
final class RawEchoService extends EchoServiceGrpc.EchoServiceImplBase {

  private final AtomicInteger openCalls = new AtomicInteger();

  /** Calls started and not yet ended by the client's half-close, a cancel or an error. */
  int openCalls() {
    return openCalls.get();
  }

  @Override
  public StreamObserver<Message> echoStream(StreamObserver<Message> responses) {
    openCalls.incrementAndGet();
    return new StreamObserver<>() {
      @Override
      public void onNext(Message msg) {
        responses.onNext(Message.newBuilder().setText(msg.getText()).build());
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled or went away: grpc has already ended the call; nothing to answer.
        openCalls.decrementAndGet();
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
        openCalls.decrementAndGet();
      }
    };
  }
}
