package dev.grpcloop.hardening;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.EchoServiceGrpc;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The echo service's loop, as in {@code EchoService}, that also records how each call's handler
 * ended: which of recv() or send() threw what, or that it returned. Bound at the echo method, so
 * every echo client works with it. Calls are known by their {@link CallRecorder#CALL_ID}.
 */
final class RecordingEcho {
  /** How one handler ended. */
  record Ending(String where, Exception thrown) {
    /** The status code of a thrown StatusException; fails if the handler ended otherwise. */
    Status.Code statusCode() {
      if (!(thrown instanceof StatusException e)) {
        throw new AssertionError("expected a StatusException from " + where + ", got " + this);
      }
      return e.getStatus().getCode();
    }
  }

  private final ConcurrentMap<String, CompletableFuture<Ending>> endings =
      new ConcurrentHashMap<>();

  /** The echo service with this loop, each handler on a thread from {@code threads}. */
  ServerServiceDefinition bindService(ThreadFactory threads) {
    return BlockingServerCalls.service(EchoServiceGrpc.getServiceDescriptor(),
        BlockingServerCalls.bidiStreaming(EchoServiceGrpc.getEchoStreamMethod(), this::echoStream,
            BlockingServerCalls.Options.DEFAULT.withThreads(threads)));
  }

  private void echoStream(ServerStream<Message, Message> stream) throws Exception {
    String id = stream.requestHeaders().get(CallRecorder.CALL_ID);
    CompletableFuture<Ending> ending = future(id == null ? CallRecorder.UNTAGGED : id);
    for (;;) {
      Message msg;
      try {
        msg = stream.recv();
      } catch (Exception e) {
        ending.complete(new Ending("recv", e));
        throw e;
      }
      if (msg == null) {
        ending.complete(new Ending("returned", null));
        return;
      }
      try {
        stream.send(Message.newBuilder().setText(msg.getText()).build());
      } catch (Exception e) {
        ending.complete(new Ending("send", e));
        throw e;
      }
    }
  }

  /** Waits up to {@code timeout} for the handler of the call tagged {@code id} to end. */
  Ending awaitEnding(String id, Duration timeout) throws InterruptedException {
    try {
      return future(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the handler of " + id + " did not end within " + timeout, e);
    } catch (ExecutionException e) {
      throw new AssertionError(e);
    }
  }

  private CompletableFuture<Ending> future(String id) {
    return endings.computeIfAbsent(id, key -> new CompletableFuture<>());
  }
}
