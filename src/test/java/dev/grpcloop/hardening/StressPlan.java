package dev.grpcloop.hardening;

import io.grpc.Metadata;
import java.util.Random;

/**
 * One randomly drawn stress call: what the client does and what the server's handler does. The
 * client sends it to the server in a header, so one handler can act out every plan.
 *
 * @param messages how many messages the client sends
 * @param client how the client ends its side
 * @param clientAt when it does (a message count), for the cancelling modes
 * @param deadlineMicros the call's deadline, for {@link ClientMode#DEADLINE}
 * @param server how the handler behaves
 * @param serverAt after how many messages it returns or throws, for those behaviours
 */
record StressPlan(int messages, ClientMode client, int clientAt, long deadlineMicros,
    ServerMode server, int serverAt) {

  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("x-stress-plan", Metadata.ASCII_STRING_MARSHALLER);

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
    int messages = random.nextInt(41);
    ClientMode client = ClientMode.values()[random.nextInt(ClientMode.values().length)];
    ServerMode server = ServerMode.values()[random.nextInt(ServerMode.values().length)];
    return new StressPlan(messages, client, random.nextInt(messages + 1),
        random.nextInt(3_000), server, random.nextInt(41));
  }

  String encode() {
    return messages + "," + client + "," + clientAt + "," + deadlineMicros + "," + server + ","
        + serverAt;
  }

  static StressPlan decode(String text) {
    String[] f = text.split(",");
    return new StressPlan(Integer.parseInt(f[0]), ClientMode.valueOf(f[1]),
        Integer.parseInt(f[2]), Long.parseLong(f[3]), ServerMode.valueOf(f[4]),
        Integer.parseInt(f[5]));
  }
}
