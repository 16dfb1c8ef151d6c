package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestServer.PATIENCE;

import io.grpc.StatusException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What the call-edge tests share: the outcome of an operation, as text. */
final class Outcomes {
  private Outcomes() {}

  /** What {@code operation} returned or threw, as text. */
  static String outcome(Callable<?> operation) {
    try {
      Object result = operation.call();
      return "returned " + (result instanceof dev.grpcloop.echo.proto.Message m
          ? m.getText() : result);
    } catch (StatusException e) {
      return "StatusException " + e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    } catch (Throwable t) {
      return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
  }

  /** {@link #outcome} of {@code operation} on a virtual thread of its own, waited for. */
  static String onNewThread(Callable<?> operation) throws Exception {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread.ofVirtual().name("probe-later").start(() -> result.complete(outcome(operation)));
    return result.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
  }
}
