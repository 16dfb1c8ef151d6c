package dev.grpcloop.adapter;

import dev.grpcloop.echo.proto.Message;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;

/**
 * Test-local methods of all four kinds on the echo proto's {@link Message}, so the adapter's tests
 * need no proto of their own, and the messages and metadata keys they exchange.
 */
final class TestMethods {
  private TestMethods() {}

  static final String SERVICE = "grpcloop.test.AdapterTest";

  static final MethodDescriptor<Message, Message> UNARY = method(MethodType.UNARY, "Unary");
  static final MethodDescriptor<Message, Message> SERVER_STREAMING =
      method(MethodType.SERVER_STREAMING, "ServerStreaming");
  static final MethodDescriptor<Message, Message> CLIENT_STREAMING =
      method(MethodType.CLIENT_STREAMING, "ClientStreaming");
  static final MethodDescriptor<Message, Message> BIDI =
      method(MethodType.BIDI_STREAMING, "Bidi");

  /** A request header, a response header and a trailer, for the metadata tests. */
  static final Metadata.Key<String> REQUEST_KEY = key("x-test-request");
  static final Metadata.Key<String> RESPONSE_KEY = key("x-test-response");
  static final Metadata.Key<String> TRAILER_KEY = key("x-test-trailer");
  static final Metadata.Key<String> ERROR_TRAILER_KEY = key("x-test-error-trailer");

  /** 64 KiB of text: a few hundred of these fill any transport buffer and flow-control window. */
  private static final String PADDING = "x".repeat(64 * 1024);

  /** A service with one method, named after {@link #SERVICE}. */
  static ServerServiceDefinition service(ServerMethodDefinition<Message, Message> method) {
    return ServerServiceDefinition.builder(SERVICE).addMethod(method).build();
  }

  static Message msg(String text) {
    return Message.newBuilder().setText(text).build();
  }

  /** Message number {@code i} of a sequence, for order checks. */
  static Message msg(int i) {
    return msg("m" + i);
  }

  /** A 64 KiB message whose text starts with {@code "m" + i + ":"}. */
  static Message big(int i) {
    return msg("m" + i + ":" + PADDING);
  }

  /** The sequence number of a message made by {@link #msg(int)} or {@link #big(int)}. */
  static int seq(Message message) {
    String text = message.getText();
    int colon = text.indexOf(':');
    return Integer.parseInt(text.substring(1, colon < 0 ? text.length() : colon));
  }

  /**
   * A client-streaming handler: receives until end-of-stream, fails with {@code DATA_LOSS} on a
   * message out of order, and answers "received N".
   */
  static Message countInOrder(ServerRecvStream<Message> requests) throws Exception {
    int n = 0;
    for (Message m; (m = requests.recv()) != null; n++) {
      if (seq(m) != n) {
        throw Status.DATA_LOSS.withDescription("expected m" + n + ", got " + m.getText())
            .asException();
      }
    }
    return msg("received " + n);
  }

  static Metadata metadata(Metadata.Key<String> key, String value) {
    Metadata metadata = new Metadata();
    metadata.put(key, value);
    return metadata;
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static MethodDescriptor<Message, Message> method(MethodType type, String name) {
    MethodDescriptor.Marshaller<Message> marshaller =
        ProtoUtils.marshaller(Message.getDefaultInstance());
    return MethodDescriptor.<Message, Message>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(marshaller)
        .setResponseMarshaller(marshaller)
        .build();
  }
}
