package dev.grpcloop.adapter;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wrapped marshallers of a binding. They tell the call what grpc's listener does not: each
 * request's size (grpc parses a request and delivers it on the same thread, so the size travels
 * in a thread-local beside the message it belongs to), and a response whose serialization threw
 * (grpc then cancels the stream and returns normally from sendMessage).
 */
final class Marshalling {
  private Marshalling() {}

  /** The last request parsed on this thread and its size. */
  private static final ThreadLocal<Parsed> lastParsed = ThreadLocal.withInitial(Parsed::new);

  /** The last response that failed to serialize on this thread; read only after a failure. */
  private static final ThreadLocal<RuntimeException> lastSerializeFailure = new ThreadLocal<>();

  /** How many responses failed to serialize, anywhere: a cheap check before the thread-local. */
  private static final AtomicLong serializeFailures = new AtomicLong();

  private static final class Parsed {
    Object message;
    int size;
  }

  static <T> MethodDescriptor.Marshaller<T> sizing(MethodDescriptor.Marshaller<T> delegate) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(T value) {
        return delegate.stream(value);
      }

      @Override
      public T parse(InputStream stream) {
        T message;
        long size;
        if (stream instanceof KnownLength) {
          size = availableOf(stream);
          message = delegate.parse(stream);
        } else { // a compressed message: count what the parser reads
          CountingInputStream counting = new CountingInputStream(stream);
          message = delegate.parse(counting);
          size = counting.count;
        }
        Parsed parsed = lastParsed.get();
        parsed.message = message;
        parsed.size = (int) Math.min(Integer.MAX_VALUE, size);
        return message;
      }
    };
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

  /** The size of {@code message} if it is the request last parsed on this thread, else 0. */
  static int takeSize(Object message) {
    Parsed parsed = lastParsed.get();
    if (parsed.message != message) {
      return 0;
    }
    parsed.message = null;
    return parsed.size;
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

  private static long availableOf(InputStream stream) {
    try {
      return stream.available();
    } catch (IOException e) {
      return 0;
    }
  }

  private static final class CountingInputStream extends FilterInputStream {
    long count;

    CountingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
