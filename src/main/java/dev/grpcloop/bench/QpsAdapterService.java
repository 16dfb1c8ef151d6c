package dev.grpcloop.bench;

import com.google.protobuf.ByteString;
import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerStream;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.benchmarks.proto.BenchmarkServiceGrpc;
import io.grpc.benchmarks.proto.Messages.Payload;
import io.grpc.benchmarks.proto.Messages.PayloadType;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;

/**
 * grpc-benchmarks' {@code grpc.testing.BenchmarkService} written with the adapter: the methods
 * grpc-java's AsyncClient drives ({@code StreamingCall}, and {@code UnaryCall}). Each answers as
 * the reference AsyncServer does: a payload of {@code response_size} zero bytes. The other methods
 * are not bound and answer UNIMPLEMENTED.
 */
final class QpsAdapterService implements BindableService {

  /** The seed's loop over the benchmark's messages: one response per request, until the end. */
  static void streamingCall(ServerStream<SimpleRequest, SimpleResponse> stream) throws Exception {
    for (;;) {
      SimpleRequest request = stream.recv();
      if (request == null) {
        return;
      }
      stream.send(makeResponse(request));
    }
  }

  static SimpleResponse unaryCall(SimpleRequest request, ServerCallScope call) {
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

  @Override
  public ServerServiceDefinition bindService() {
    return BlockingServerCalls.service(BenchmarkServiceGrpc.getServiceDescriptor(),
        BlockingServerCalls.bidiStreaming(BenchmarkServiceGrpc.getStreamingCallMethod(),
            QpsAdapterService::streamingCall),
        BlockingServerCalls.unary(BenchmarkServiceGrpc.getUnaryCallMethod(),
            QpsAdapterService::unaryCall));
  }
}
