package dev.grpcloop.interop;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.Payload;

/** What the interop requests ask a server to build: payloads and statuses. */
final class Payloads {
  private Payloads() {}

  /**
   * A payload of {@code size} zero bytes: the interop client compares responses with zero-filled
   * golden payloads.
   *
   * @throws StatusException {@code INVALID_ARGUMENT} if the size is negative
   */
  static Payload zeros(int size) throws StatusException {
    if (size < 0) {
      throw Status.INVALID_ARGUMENT
          .withDescription("a payload size cannot be negative: " + size)
          .asException();
    }
    // The array is fresh and never written again, so it can back the ByteString without a copy.
    return Payload.newBuilder().setBody(UnsafeByteOperations.unsafeWrap(new byte[size])).build();
  }

  /** The status a request asks the call to end with, as an exception for the handler to throw. */
  static StatusException statusOf(EchoStatus requested) {
    return Status.fromCodeValue(requested.getCode())
        .withDescription(requested.getMessage())
        .asException();
  }
}
