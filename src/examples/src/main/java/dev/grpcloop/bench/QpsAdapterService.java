package dev.grpcloop.bench;

import com.google.protobuf.ByteString;
import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerStream;
import io.grpc.Status;
import io.grpc.benchmarks.proto.BenchmarkServiceLoop;
import io.grpc.benchmarks.proto.Messages.Payload;
import io.grpc.benchmarks.proto.Messages.PayloadType;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;

/**
 * grpc-benchmarks' {@code grpc.testing.BenchmarkService} written with the adapter: the methods
 * grpc-java's AsyncClient drives ({@code StreamingCall}, and {@code UnaryCall}). Each answers as
 * the reference AsyncServer does: a payload of {@code response_size} zero bytes. The other methods
 * keep the generated defaults and answer UNIMPLEMENTED.
 */
final class QpsAdapterService extends BenchmarkServiceLoop.ImplBase {

  /** The Go article's loop over the benchmark's messages: one response per request, until the end. */
  @Override
  public void streamingCall(ServerStream<SimpleRequest, SimpleResponse> stream)
      throws Exception {
    for (;;) {
      SimpleRequest request = stream.recv();
      if (request == null) {
        return;
      }
      stream.send(makeResponse(request));
    }
  }

  @Override
  public SimpleResponse unaryCall(SimpleRequest request, ServerCallScope call) {
    return makeResponse(request);
  }

  /** The reference server's answer (grpc-benchmarks' Utils.makeResponse), built the same way. */
  static SimpleResponse makeResponse(SimpleRequest request) {
    if (request.getResponseSize() <= 0) {
      return SimpleResponse.getDefaultInstance();
    }
    if (request.getResponseType() != PayloadType.COMPRESSABLE) {
      throw Status.INTERNAL.withDescription("Error creating payload.").asRuntimeException();
    }
    ByteString body = ByteString.copyFrom(new byte[request.getResponseSize()]);
    Payload payload = Payload.newBuilder().setType(request.getResponseType()).setBody(body).build();
    return SimpleResponse.newBuilder().setPayload(payload).build();
  }
}
