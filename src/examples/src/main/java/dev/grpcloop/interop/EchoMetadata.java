package dev.grpcloop.interop;

import dev.grpcloop.adapter.ServerCallScope;
import io.grpc.Metadata;

/**
 * The interop spec's metadata echo: a server returns the client's {@code x-grpc-test-echo-initial}
 * header in its response headers, and its {@code x-grpc-test-echo-trailing-bin} header in its
 * trailers. Done here by the handlers themselves, through the adapter, rather than by an
 * interceptor, so that the conformance run checks the adapter's headers and trailers.
 */
final class EchoMetadata {
  private EchoMetadata() {}

  /** Echoed in the response headers. */
  static final Metadata.Key<String> INITIAL =
      Metadata.Key.of("x-grpc-test-echo-initial", Metadata.ASCII_STRING_MARSHALLER);

  /** Echoed in the trailers. */
  static final Metadata.Key<byte[]> TRAILING =
      Metadata.Key.of("x-grpc-test-echo-trailing-bin", Metadata.BINARY_BYTE_MARSHALLER);

  /**
   * Sends the response headers at once if the client asked for the initial echo, and adds the
   * trailing echo to the call's trailers. Call it after any {@code setCompression}, which must
   * come before the headers.
   */
  static void echo(ServerCallScope call) {
    Metadata request = call.requestHeaders();
    Iterable<String> initial = request.getAll(INITIAL);
    if (initial != null) {
      Metadata headers = new Metadata();
      initial.forEach(value -> headers.put(INITIAL, value));
      call.sendHeaders(headers);
    }
    Iterable<byte[]> trailing = request.getAll(TRAILING);
    if (trailing != null) {
      Metadata trailers = new Metadata();
      trailing.forEach(value -> trailers.put(TRAILING, value));
      call.setTrailers(trailers);
    }
  }
}
