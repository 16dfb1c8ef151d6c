package dev.grpcloop.adapter;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a call learns from its method's marshallers, besides the messages: how big a message it
 * holds is (for its byte bound), asked of the message itself; and, through the binding's wrapped
 * response marshaller, a response whose serialization threw (grpc then cancels the stream and
 * returns normally from sendMessage).
 */
final class Marshalling {
  private Marshalling() {}

  private static final Logger logger = Logger.getLogger(Marshalling.class.getName());

  /** The size of a message whose marshaller does not tell it. */
  static final int UNKNOWN_SIZE = -1;

  /** The last response that failed to serialize on this thread; read only after a failure. */
  private static final ThreadLocal<RuntimeException> lastSerializeFailure = new ThreadLocal<>();

  /** How many responses failed to serialize, anywhere: a cheap check before the thread-local. */
  private static final AtomicLong serializeFailures = new AtomicLong();

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

  static <T> MethodDescriptor.Marshaller<T> watching(MethodDescriptor.Marshaller<T> delegate) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(T value) {
        try {
          return delegate.stream(value);
        } catch (RuntimeException e) {
          lastSerializeFailure.set(e);
          serializeFailures.incrementAndGet();
          throw e;
        }
      }

      @Override
      public T parse(InputStream stream) {
        return delegate.parse(stream);
      }
    };
  }

  static long serializeFailures() {
    return serializeFailures.get();
  }

  /** The failure of a response on this thread since {@code before} was read, or null. */
  static RuntimeException serializeFailureSince(long before) {
    if (serializeFailures.get() == before) {
      return null;
    }
    RuntimeException failure = lastSerializeFailure.get();
    lastSerializeFailure.remove();
    return failure;
  }
}
