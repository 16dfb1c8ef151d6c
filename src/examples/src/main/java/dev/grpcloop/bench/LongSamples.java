package dev.grpcloop.bench;

import java.util.Arrays;

/** A growable array of long samples, with percentiles. Not thread-safe. */
final class LongSamples {
  private long[] values = new long[1 << 16];
  private int size;

  void add(long value) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = value;
  }

  int size() {
    return size;
  }

  /** The value at percentile {@code p} (0..100), nearest-rank; NaN if there are none. */
  double percentile(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
  }
}
