package dev.grpcloop.eventloop;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.adapter.ServerStream;
import dev.grpcloop.echo.proto.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The deadlock of GRPC-TRAPS 23, made to happen in a fixed order rather than by chance in the
 * JDK's {@code Cleaner}: a monitor that both a handler and code on the event loop take (here an
 * interceptor's {@code onMessage}, as a synchronized statistics recorder would).
 *
 * <ol>
 *   <li>the test thread holds the monitor;
 *   <li>call 1's handler, a virtual thread of the loop, blocks on it: since JDK 24 it unmounts and
 *       joins the monitor's queue;
 *   <li>call 2's message reaches the interceptor on the loop, which blocks on it too, queued after
 *       the handler;
 *   <li>the test thread lets go: the JDK wakes the first in the queue, the handler, which must run
 *       on its carrier. If that carrier is the loop's platform thread, the one now blocked in the
 *       queue, neither ever runs again.
 * </ol>
 */
final class MonitorHandOff {
  final Object monitor = new Object();
  final CountDownLatch handlerBlocking = new CountDownLatch(1);
  final CountDownLatch loopBlocking = new CountDownLatch(1);
  volatile Thread handlerThread;
  volatile Thread loopThread;
  private int recorded; // guarded by monitor

  /** Call 1's handler: "lock" takes the monitor, then every call echoes. */
  void handle(ServerStream<Message, Message> stream) throws Exception {
    for (Message m; (m = stream.recv()) != null; ) {
      if (m.getText().equals("lock")) {
        handlerThread = Thread.currentThread();
        handlerBlocking.countDown();
        synchronized (monitor) {
          recorded++;
        }
      }
      stream.send(m);
    }
  }

  /** On the loop: a message "poke" is recorded under the monitor before it is delivered. */
  final ServerInterceptor recorder = new ServerInterceptor() {
    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
        ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onMessage(ReqT message) {
          if (message instanceof Message m && m.getText().equals("poke")) {
            loopThread = Thread.currentThread();
            loopBlocking.countDown();
            synchronized (monitor) {
              recorded++;
            }
          }
          super.onMessage(message);
        }
      };
    }
  };

  /**
   * Plays the four steps on {@code channel} (one connection, so one loop); returns whether both
   * calls were answered within {@code seconds} after the monitor was let go.
   */
  boolean play(ManagedChannel channel, long seconds) throws Exception {
    ClientStream<Message, Message> first = LoopServer.open(channel);
    ClientStream<Message, Message> second = LoopServer.open(channel);
    try {
      // Both calls started (their handlers exist) before the monitor is taken.
      if (!"a".equals(LoopServer.ask(first, "a")) || !"b".equals(LoopServer.ask(second, "b"))) {
        throw new AssertionError("echo failed");
      }
      synchronized (monitor) {
        first.send(LoopServer.message("lock"));
        await(handlerBlocking);
        awaitBlocked(handlerThread);
        second.send(LoopServer.message("poke"));
        await(loopBlocking);
        awaitBlocked(loopThread);
      }
      CountDownLatch answered = new CountDownLatch(2);
      for (ClientStream<Message, Message> stream : List.of(first, second)) {
        Thread.ofVirtual().start(() -> {
          try {
            if (stream.recv() != null) {
              answered.countDown();
            }
          } catch (Exception e) {
            // not answered
          }
        });
      }
      return answered.await(seconds, TimeUnit.SECONDS);
    } finally {
      first.close();
      second.close();
    }
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(LoopServer.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the step did not happen");
    }
  }

  /** Waits until {@code thread} is BLOCKED on a monitor (held by the caller). */
  private static void awaitBlocked(Thread thread) throws InterruptedException {
    long deadline = System.nanoTime() + LoopServer.PATIENCE.toNanos();
    while (thread.getState() != Thread.State.BLOCKED) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(thread + " did not block: " + thread.getState());
      }
      TimeUnit.MILLISECONDS.timedJoin(thread, 1);
    }
  }
}
