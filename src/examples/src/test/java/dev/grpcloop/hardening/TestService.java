package dev.grpcloop.hardening;

import dev.grpcloop.adapter.BlockingServerCalls;
import dev.grpcloop.echo.proto.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadFactory;

/**
 * A service of bidi methods on the echo proto's Message, each bound with the adapter to a handler
 * a test writes for one scenario: {@code new TestService().bidi("name", handler).build(threads)}.
 * A method may hold fewer unreceived requests than the adapter's default: {@code bidi("name",
 * bytes, handler)}.
 */
final class TestService {
  static final String NAME = "hardening.Test";

  private final Map<String, BlockingServerCalls.BidiStreamingHandler<Message, Message>> handlers =
      new LinkedHashMap<>();

  /** Each method's maxBufferedBytes, for those that set one. */
  private final Map<String, Integer> bounds = new LinkedHashMap<>();

  /** The descriptor of the bidi method {@code name} of this service. */
  static MethodDescriptor<Message, Message> method(String name) {
    return MethodDescriptor.<Message, Message>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(NAME, name))
        .setRequestMarshaller(ProtoUtils.marshaller(Message.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(Message.getDefaultInstance()))
        .build();
  }

  /** Adds the bidi method {@code name}, handled by {@code handler}. */
  TestService bidi(String name, BlockingServerCalls.BidiStreamingHandler<Message, Message> handler) {
    handlers.put(name, handler);
    return this;
  }

  /**
   * Adds the bidi method {@code name}, handled by {@code handler}, whose calls hold at most {@code
   * maxBufferedBytes} of requests the handler has not received (plus one message).
   */
  TestService bidi(String name, int maxBufferedBytes,
      BlockingServerCalls.BidiStreamingHandler<Message, Message> handler) {
    bounds.put(name, maxBufferedBytes);
    return bidi(name, handler);
  }

  /** The service definition, every handler on a thread from {@code threads}. */
  ServerServiceDefinition build(ThreadFactory threads) {
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(NAME);
    handlers.forEach((name, handler) -> {
      BlockingServerCalls.Options options = BlockingServerCalls.Options.DEFAULT.withThreads(threads);
      if (bounds.containsKey(name)) {
        options = options.withMaxBufferedBytes(bounds.get(name));
      }
      builder.addMethod(BlockingServerCalls.bidiStreaming(method(name), handler, options));
    });
    return builder.build();
  }

  static Message text(String text) {
    return Message.newBuilder().setText(text).build();
  }
}
