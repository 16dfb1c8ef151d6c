package dev.grpcloop.adapter;

import static dev.grpcloop.adapter.TestMethods.BIDI;
import static dev.grpcloop.adapter.TestMethods.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.TestThreads;
import dev.grpcloop.adapter.TestServer.HandlerThreads;
import dev.grpcloop.adapter.TestServer.Transport;
import dev.grpcloop.echo.proto.Message;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Close() and cancel() from several third threads at once, racing a tiny deadline and a
 * cancel of the call's Context, while a receiver waits in recv and a sender in send. Every thread
 * of this side must see one outcome of this side's end: recv throws CANCELLED or
 * DEADLINE_EXCEEDED (never end-of-stream, never IllegalStateException), send returns false; a
 * recv or send that comes later does the same; every thread, the server's handler too, ends.
 */
@Timeout(300)
class ClientCloseRaceTest {

  private static final int CALLS = 300;
  private static final java.util.Set<Status.Code> THIS_SIDE =
      java.util.EnumSet.of(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED);

  @ParameterizedTest
  @EnumSource(Transport.class)
  void everyThreadSeesThisSidesEnd(Transport transport) throws Exception {
    HandlerThreads handlers = new HandlerThreads();
    var service = Bind.bidi(BIDI, stream -> {
      stream.fork(() -> {
        while (stream.recv() != null) {
          // take what the client sends
        }
      });
      for (int i = 0; ; i++) {
        stream.send(msg(i));
      }
    }, handlers);
    List<String> wrong = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    try (TestServer server = TestServer.start(transport, service)) {
      for (int n = 0; n < CALLS; n++) {
        oneCall(server, n, wrong, threads);
      }
      assertThat(TestThreads.joinAll(threads, TestServer.PATIENCE)).as("client threads alive")
          .isEmpty();
      handlers.assertAllEnded();
    }
    assertThat(wrong).as("outcomes that are not this side's end").isEmpty();
  }

  private static void oneCall(TestServer server, int n, List<String> wrong, List<Thread> threads)
      throws Exception {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    boolean deadline = random.nextInt(3) == 0;
    boolean contextCancel = random.nextInt(3) == 0;
    int closers = 1 + random.nextInt(4);
    int wantMessages = 1 + random.nextInt(3);
    CallOptions options = deadline
        ? CallOptions.DEFAULT.withDeadlineAfter(1 + random.nextInt(5), TimeUnit.MILLISECONDS)
        : CallOptions.DEFAULT;
    Context.CancellableContext context = Context.current().withCancellation();
    ClientStream<Message, Message> call = context.call(() ->
        BlockingClientCalls.bidiStreaming(server.channel(), BIDI, options, new Metadata()));
    String name = "call " + n + (deadline ? " deadline" : "") + (contextCancel ? " ctx" : "")
        + " closers=" + closers;
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger received = new AtomicInteger();
    Thread receiver = Thread.ofVirtual().start(() -> {
      try {
        for (;;) {
          Message m = call.recv();
          if (m == null) {
            wrong.add(name + ": recv returned end-of-stream");
            return;
          }
          if (received.incrementAndGet() >= wantMessages) {
            go.countDown();
          }
        }
      } catch (StatusException e) {
        if (!THIS_SIDE.contains(e.getStatus().getCode())) {
          wrong.add(name + ": recv threw " + e.getStatus());
        }
      } catch (Throwable t) {
        wrong.add(name + ": recv threw " + t);
      } finally {
        go.countDown();
      }
    });
    Thread sender = Thread.ofVirtual().start(() -> {
      try {
        for (int i = 0; call.send(msg(i)); i++) {
          // until the call is over
        }
      } catch (Throwable t) {
        wrong.add(name + ": send threw " + t);
      }
    });
    threads.add(receiver);
    threads.add(sender);
    List<Thread> ending = new ArrayList<>();
    for (int c = 0; c < closers; c++) {
      boolean close = random.nextBoolean();
      ending.add(Thread.ofVirtual().unstarted(() -> {
        try {
          go.await();
          if (close) {
            call.close();
          } else {
            call.cancel("third thread cancels", null);
          }
        } catch (Throwable t) {
          wrong.add(name + ": " + (close ? "close" : "cancel") + " threw " + t);
        }
      }));
    }
    if (contextCancel) {
      ending.add(Thread.ofVirtual().unstarted(() -> {
        try {
          go.await();
          context.cancel(null);
        } catch (Throwable t) {
          wrong.add(name + ": context cancel threw " + t);
        }
      }));
    }
    ending.forEach(Thread::start);
    threads.addAll(ending);
    List<Thread> stuck = TestThreads.joinAll(ending, TestServer.PATIENCE);
    if (!stuck.isEmpty()) {
      wrong.add(name + ": closers stuck " + stuck);
    }
    List<Thread> alive = TestThreads.joinAll(List.of(receiver, sender), TestServer.PATIENCE);
    if (!alive.isEmpty()) {
      wrong.add(name + ": still running after the close " + alive);
      call.close();
      return;
    }
    // Later recv and send, from a new thread, see the same end.
    Thread later = Thread.ofVirtual().start(() -> {
      try {
        Message m = call.recv();
        wrong.add(name + ": later recv returned " + m);
      } catch (StatusException e) {
        if (!THIS_SIDE.contains(e.getStatus().getCode())) {
          wrong.add(name + ": later recv threw " + e.getStatus());
        }
      } catch (Throwable t) {
        wrong.add(name + ": later recv threw " + t);
      }
      try {
        if (call.send(msg(-1))) {
          wrong.add(name + ": later send returned true");
        }
      } catch (Throwable t) {
        wrong.add(name + ": later send threw " + t);
      }
      try {
        call.close();
        call.cancel("again", null);
      } catch (Throwable t) {
        wrong.add(name + ": a second close threw " + t);
      }
    });
    threads.add(later);
    later.join(TestServer.PATIENCE);
    context.cancel(null);
  }
}
