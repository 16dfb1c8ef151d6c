package dev.grpcloop.serving;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The limits every example server puts on each client connection. A handler on a virtual thread
 * is cheap, so the server takes as many calls as clients open; without these, one client could
 * open calls (each a handler and its buffers) until the server is out of memory, or hold
 * connections that nobody uses any more.
 *
 * <ul>
 *   <li>At most {@link #MAX_CALLS_PER_CONNECTION} calls at once on one connection. The server
 *       announces it in its HTTP/2 SETTINGS (MAX_CONCURRENT_STREAMS): grpc clients then hold
 *       further calls back until one ends, and a stream opened beyond it anyway is refused
 *       (RST_STREAM REFUSED_STREAM). Several connections each get the limit.
 *   <li>The server pings a connection after {@link #KEEPALIVE_TIME} without anything read from
 *       it, and closes it if the ping is not answered within {@link #KEEPALIVE_TIMEOUT}: a
 *       client whose machine went away (a closed laptop, a pulled cable) is noticed, and its
 *       calls end, within about 80 seconds.
 *   <li>Clients may ping at most every {@link #PERMIT_KEEPALIVE_TIME}, and only while they have
 *       calls open (grpc's default); a client that pings more often is sent away (GOAWAY
 *       ENHANCE_YOUR_CALM).
 *   <li>A connection with no calls for {@link #MAX_CONNECTION_IDLE} is closed with a GOAWAY; the
 *       client's channel reconnects by itself for its next call.
 *   <li>A connection must finish its handshake (TLS, HTTP/2 preface) within {@link
 *       #HANDSHAKE_TIMEOUT}.
 * </ul>
 *
 * <p>No maximum connection age: a chat member's call lasts as long as they stay, and an age limit
 * would end it. grpc's own limits stay as they are: 4 MiB per message, 8 KiB of metadata.
 */
public final class ConnectionLimits {
  private ConnectionLimits() {}

  /** Concurrent calls per connection; HTTP/2 advises at least 100, and grpc-java's default is no limit. */
  public static final int MAX_CALLS_PER_CONNECTION = 100;

  /** Quiet time on a connection before the server pings it; grpc's default is 2 hours. */
  public static final Duration KEEPALIVE_TIME = Duration.ofMinutes(1);

  /** How long the server waits for the ping's answer; grpc's default. */
  public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);

  /** The most often a client may ping; grpc's default is 5 minutes. */
  public static final Duration PERMIT_KEEPALIVE_TIME = Duration.ofSeconds(30);

  /** Time without calls before a connection is closed; grpc's default is never. */
  public static final Duration MAX_CONNECTION_IDLE = Duration.ofMinutes(5);

  /** Time to finish the handshake; grpc's default is 2 minutes. */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(20);

  /** Applies the limits above to {@code builder}. */
  static void apply(NettyServerBuilder builder) {
    builder
        .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
        .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(PERMIT_KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(false)
        .maxConnectionIdle(MAX_CONNECTION_IDLE.toMillis(), TimeUnit.MILLISECONDS)
        .handshakeTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }
}
