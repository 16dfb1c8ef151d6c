package dev.grpcloop.hardening;

import io.grpc.Metadata;
import java.util.Random;

/**
 * One randomly drawn stress call: what the client does and what the server's handler does, and
 * how tight each side's flow control is. The client sends it to the server in a header, so one
 * handler can act out every plan.
 *
 * <p>The flow half of a plan is what makes sends wait for readiness. On the in-process transport a
 * sender is ready only while its peer has asked for a message, and the adapter asks for one at a
 * time, only while the receiving call holds less than its bound. A bound of 1 byte holds one
 * message, so with it every further send waits until the receiver takes that one; a receiver
 * that pauses makes its peer's sends wait for sure, and its resuming sends the {@code onReady}.
 *
 * <p>The client's byte bound is drawn and set, but on the in-process transport it has no effect
 * today: grpc 1.83's in-process transport reports -1 as each response's wire size to the stream
 * tracer, from which the adapter's client counts 0 bytes; only the window of 64 messages bounds a
 * client there. So the handler's sends wait only behind a client that pauses with more than 64
 * responses unreceived, which is why a second thread of the handler sends up to twice {@link
 * #MAX_MESSAGES}.
 *
 * @param messages how many messages the client sends
 * @param client how the client ends its side
 * @param clientAt when it does (a message count), for the cancelling modes
 * @param deadlineMicros the call's deadline, for {@link ClientMode#DEADLINE}
 * @param server how the handler behaves
 * @param serverAt after how many messages it returns or throws, or how many a second thread sends
 * @param serverBound the server call's maxBufferedBytes ({@link #DEFAULT_BOUND}: the adapter's)
 * @param clientBound the client call's MAX_BUFFERED_BYTES ({@link #DEFAULT_BOUND}: the adapter's);
 *     without effect in-process, see above
 * @param serverPause the handler pauses before every serverPause-th recv (0: never) until the
 *     client's send finds the transport not ready, or the client sends no more, or the call ends
 * @param clientPause the client's receiver pauses after every clientPause-th message (0: never)
 *     until the handler's send finds the transport not ready, or it sends no more, or the call ends
 * @param resumeInWindow the send that ends a pause is held between its isReady() check and its
 *     wait until the resumed side's onReady has come: the window the adapter's readyEvents guards
 */
record StressPlan(int messages, ClientMode client, int clientAt, long deadlineMicros,
    ServerMode server, int serverAt, int serverBound, int clientBound, int serverPause,
    int clientPause, boolean resumeInWindow) {

  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("x-stress-plan", Metadata.ASCII_STRING_MARSHALLER);

  /** A bound that leaves the adapter's default (4 MiB, so the 64-message window rules). */
  static final int DEFAULT_BOUND = 0;

  /** The bounds a side draws from: the default, one message, two or three of the test's. */
  static final int[] BOUNDS = {DEFAULT_BOUND, 1, 24};

  /** The most messages a client sends (a second thread of the handler: twice as many). */
  static final int MAX_MESSAGES = 128;

  enum ClientMode {
    /** Sends every message, half-closes, receives to the end. */
    HALF_CLOSE,
    /** The sender cancels the call after sending clientAt messages. */
    CANCEL_WHILE_SENDING,
    /** The receiver cancels the call after receiving clientAt messages. */
    CANCEL_WHILE_RECEIVING,
    /** Sends every message and never half-closes: the deadline ends the call. */
    DEADLINE
  }

  enum ServerMode {
    /** The Go article's loop: echo every message, return at end-of-stream. */
    ECHO,
    /** Echo serverAt messages, then return (OK) while the client may still send. */
    RETURN_EARLY,
    /** Echo serverAt messages, then throw (UNKNOWN). */
    THROW,
    /** A second thread sends serverAt messages while the handler's thread receives. */
    SPLIT
  }

  static StressPlan random(Random random) {
    int messages = random.nextInt(MAX_MESSAGES + 1);
    ClientMode client = ClientMode.values()[random.nextInt(ClientMode.values().length)];
    ServerMode server = ServerMode.values()[random.nextInt(ServerMode.values().length)];
    int clientAt = random.nextInt(messages + 1);
    long deadlineMicros = random.nextInt(3_000);
    // A second thread sends up to twice as many: more than a client's window of 64 messages.
    int serverAt = random.nextInt((server == ServerMode.SPLIT ? 2 : 1) * MAX_MESSAGES + 1);
    int serverBound = BOUNDS[random.nextInt(BOUNDS.length)];
    int clientBound = BOUNDS[random.nextInt(BOUNDS.length)];
    int serverPause = random.nextBoolean() ? 0 : 1 + random.nextInt(8);
    int clientPause = random.nextBoolean() ? 0 : 1 + random.nextInt(8);
    return new StressPlan(messages, client, clientAt, deadlineMicros, server, serverAt,
        serverBound, clientBound, serverPause, clientPause, random.nextBoolean());
  }

  /** The server method whose calls have this plan's server bound. */
  String method() {
    return method(serverBound);
  }

  /** The server method whose calls have the server bound {@code bound}. */
  static String method(int bound) {
    return "Stress" + bound;
  }

  String encode() {
    return messages + "," + client + "," + clientAt + "," + deadlineMicros + "," + server + ","
        + serverAt + "," + serverBound + "," + clientBound + "," + serverPause + "," + clientPause
        + "," + resumeInWindow;
  }

  static StressPlan decode(String text) {
    String[] f = text.split(",");
    return new StressPlan(Integer.parseInt(f[0]), ClientMode.valueOf(f[1]),
        Integer.parseInt(f[2]), Long.parseLong(f[3]), ServerMode.valueOf(f[4]),
        Integer.parseInt(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7]),
        Integer.parseInt(f[8]), Integer.parseInt(f[9]), Boolean.parseBoolean(f[10]));
  }
}
