package dev.grpcloop.interop;

import dev.grpcloop.adapter.ServerCallScope;
import dev.grpcloop.adapter.ServerRecvStream;
import dev.grpcloop.adapter.ServerSendStream;
import dev.grpcloop.adapter.ServerStream;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * gRPC's interop test service, {@code grpc.testing.TestService}, with every method a blocking
 * handler bound by the adapter. It does what the interop spec asks of a server: payloads of the
 * requested sizes at the requested intervals, the requested status code and message, compressed
 * responses when asked, the echo of {@link EchoMetadata the test headers}, and {@code
 * UNIMPLEMENTED} for {@code UnimplementedCall}.
 *
 * <p>The official interop client drives it in the conformance test, which makes it the adapter's
 * strictest test: status codes, metadata, cancellation, deadlines, flow control and compression
 * as real gRPC clients expect them on the wire.
 */
public final class InteropService extends TestServiceLoop.ImplBase {

  /** The one compressor that every gRPC implementation has, and the interop cases use. */
  private static final String GZIP = "gzip";

  @Override
  public SimpleResponse cacheableUnaryCall(SimpleRequest request, ServerCallScope call)
      throws StatusException {
    return unaryCall(request, call);
  }

  // UnimplementedCall is not overridden: the generated default answers UNIMPLEMENTED.

  /** One empty request, one empty response. */
  @Override
  public Empty emptyCall(Empty request, ServerCallScope call) {
    EchoMetadata.echo(call);
    return Empty.getDefaultInstance();
  }

  /** One response of {@code response_size} bytes, or the {@code response_status} asked for. */
  @Override
  public SimpleResponse unaryCall(SimpleRequest request, ServerCallScope call)
      throws StatusException {
    // The compressor is part of the response headers, so it is chosen before they go out.
    if (request.getResponseCompressed().getValue()) {
      call.setCompression(GZIP);
    }
    EchoMetadata.echo(call);
    if (request.hasResponseStatus()) {
      throw Payloads.statusOf(request.getResponseStatus());
    }
    SimpleResponse.Builder response = SimpleResponse.newBuilder();
    if (request.getResponseSize() != 0) {
      response.setPayload(Payloads.zeros(request.getResponseSize()));
    }
    return response.build();
  }

  /** One request, then one response per {@code response_parameters} entry. */
  @Override
  public void streamingOutputCall(
      StreamingOutputCallRequest request, ServerSendStream<StreamingOutputCallResponse> responses)
      throws Exception {
    if (request.getResponseParametersList().stream().anyMatch(p -> p.getCompressed().getValue())) {
      responses.setCompression(GZIP);
    }
    EchoMetadata.echo(responses);
    respond(request, responses);
  }

  /** Any number of requests, then one response: the sum of their payload sizes. */
  @Override
  public StreamingInputCallResponse streamingInputCall(
      ServerRecvStream<StreamingInputCallRequest> requests) throws Exception {
    EchoMetadata.echo(requests);
    int total = 0;
    for (StreamingInputCallRequest request = requests.recv(); request != null;
        request = requests.recv()) {
      total += request.getPayload().getBody().size();
    }
    return StreamingInputCallResponse.newBuilder().setAggregatedPayloadSize(total).build();
  }

  /** Answers each request as it arrives: the Go article's loop, with the interop requests' rules. */
  @Override
  public void fullDuplexCall(
      ServerStream<StreamingOutputCallRequest, StreamingOutputCallResponse> stream)
      throws Exception {
    // Which responses want compression is only known as requests arrive, after the headers:
    // offer gzip for the call now, and let each response opt in (see respond).
    stream.setCompression(GZIP);
    EchoMetadata.echo(stream);
    for (;;) {
      StreamingOutputCallRequest request = stream.recv();
      if (request == null) {
        return;
      }
      respond(request, stream);
    }
  }

  /** Takes every request until the client finishes, then answers them all in order. */
  @Override
  public void halfDuplexCall(
      ServerStream<StreamingOutputCallRequest, StreamingOutputCallResponse> stream)
      throws Exception {
    stream.setCompression(GZIP);
    EchoMetadata.echo(stream);
    List<StreamingOutputCallRequest> requests = new ArrayList<>();
    for (StreamingOutputCallRequest request = stream.recv(); request != null;
        request = stream.recv()) {
      requests.add(request);
    }
    for (StreamingOutputCallRequest request : requests) {
      respond(request, stream);
    }
  }

  /**
   * Sends what one streaming request asks for: its {@code response_status} as the call's end, or
   * one response per {@code response_parameters} entry, each after its interval and compressed if
   * it says so.
   */
  private static void respond(
      StreamingOutputCallRequest request, ServerSendStream<StreamingOutputCallResponse> responses)
      throws Exception {
    if (request.hasResponseStatus()) {
      throw Payloads.statusOf(request.getResponseStatus());
    }
    for (ResponseParameters parameters : request.getResponseParametersList()) {
      Intervals.await(parameters.getIntervalUs());
      responses.setMessageCompression(parameters.getCompressed().getValue());
      responses.send(StreamingOutputCallResponse.newBuilder()
          .setPayload(Payloads.zeros(parameters.getSize()))
          .build());
    }
  }
}
