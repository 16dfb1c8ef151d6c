package dev.grpcloop.adapter;

import io.grpc.Context;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a call learns from its method's marshallers, besides the messages: how big a message it
 * holds is (for its byte bound), and, on a server, that a response could not be serialized. Both
 * are asked of the message or its stream; nothing is kept on a thread beyond a send.
 */
final class Marshalling {
  private Marshalling() {}

  private static final Logger logger = Logger.getLogger(Marshalling.class.getName());

  /** The size of a message whose marshaller does not tell it. */
  static final int UNKNOWN_SIZE = -1;

  /**
   * The server call that sends a response, in the Context current while it hands the response to
   * grpc: told if it fails to serialize. grpc calls the response marshaller's {@code stream} inside
   * {@code sendMessage}, on the thread that sends, where the call makes this Context current.
   */
  static final Context.Key<SerializationWatch> SENDING_CALL =
      Context.key("dev.grpcloop.adapter.sendingCall");

  /** Told, on whichever thread reads a response's stream, that it could not be serialized. */
  interface SerializationWatch {
    void responseUnserializable(Exception cause);
  }

  /**
   * The serialized sizes of one marshaller's messages: {@code available()} of the stream it makes
   * for a message, if that is a {@link KnownLength} (protobuf's is: the message's {@code
   * getSerializedSize()}, computed without serializing). A marshaller whose stream is not one is
   * not asked again, since each ask could serialize a message once more: its messages are of
   * {@link #UNKNOWN_SIZE}. Safe for any thread.
   */
  static final class Sizes<T> {
    private final MethodDescriptor.Marshaller<T> marshaller;

    /** Whether the marshaller's streams know their length; false for good once one did not. */
    private volatile boolean knownLength = true;

    Sizes(MethodDescriptor.Marshaller<T> marshaller) {
      this.marshaller = marshaller;
    }

    /** The serialized size of {@code message}, or {@link #UNKNOWN_SIZE}. */
    int of(T message) {
      if (!knownLength) {
        return UNKNOWN_SIZE;
      }
      try (InputStream stream = marshaller.stream(message)) {
        if (stream instanceof KnownLength) {
          return stream.available();
        }
      } catch (IOException | RuntimeException e) {
        // Only the count is lost, never the message: it goes on, counted by the other bounds.
        logger.log(Level.WARNING, "Could not measure a message; its marshaller's are not measured"
            + " from now on", e);
      }
      knownLength = false;
      return UNKNOWN_SIZE;
    }
  }

  /**
   * {@code delegate}, whose streams tell the server call that sends a response (found through
   * {@link #SENDING_CALL}) when they fail: when {@code stream} throws, or, as protobuf's stream
   * may, when the stream is read, by grpc's framer inside {@code sendMessage} (Netty) or later by
   * the client (in-process). grpc itself only cancels the stream, and returns normally.
   */
  static <T> MethodDescriptor.Marshaller<T> watching(MethodDescriptor.Marshaller<T> delegate) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(T value) {
        SerializationWatch watch = SENDING_CALL.get();
        if (watch == null) { // not sent by a handler of ours: nobody to tell
          return delegate.stream(value);
        }
        InputStream stream;
        try {
          stream = delegate.stream(value);
        } catch (RuntimeException e) {
          watch.responseUnserializable(e);
          throw e;
        }
        return stream instanceof KnownLength
            ? new WatchedKnownLength(stream, watch) : new Watched(stream, watch);
      }

      @Override
      public T parse(InputStream stream) {
        return delegate.parse(stream);
      }
    };
  }

  /**
   * A response's stream that reports its failures to its call, and passes everything else on.
   * Drainable, so that grpc's framer still writes a protobuf message straight into its buffers.
   */
  private static class Watched extends InputStream implements Drainable {
    private final InputStream in;
    private final SerializationWatch watch;

    Watched(InputStream in, SerializationWatch watch) {
      this.in = in;
      this.watch = watch;
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException | RuntimeException e) {
        watch.responseUnserializable(e);
        throw e;
      }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      try {
        return in.read(buffer, offset, length);
      } catch (IOException | RuntimeException e) {
        watch.responseUnserializable(e);
        throw e;
      }
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      try {
        return in instanceof Drainable drainable
            ? drainable.drainTo(target) : (int) Math.min(Integer.MAX_VALUE, in.transferTo(target));
      } catch (IOException | RuntimeException e) {
        watch.responseUnserializable(e);
        throw e;
      }
    }

    @Override
    public int available() throws IOException {
      try {
        return in.available();
      } catch (IOException | RuntimeException e) {
        watch.responseUnserializable(e);
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /** A watched stream whose {@code available()} is, as its delegate's, the exact length. */
  private static final class WatchedKnownLength extends Watched implements KnownLength {
    WatchedKnownLength(InputStream in, SerializationWatch watch) {
      super(in, watch);
    }
  }
}
