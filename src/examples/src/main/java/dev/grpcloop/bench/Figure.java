package dev.grpcloop.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One measured figure of one server: the value of every measured round, and their median, which
 * is what the tables report.
 */
final class Figure {
  /** The unit the values are in, as the tables print it: "msg/s", "us", "B", "s", "threads". */
  final String unit;

  /** The value of each measured round, in the order measured. */
  final List<Double> rounds = new ArrayList<>();

  Figure(String unit) {
    this.unit = unit;
  }

  /** The median of the rounds (the mean of the middle two for an even count); NaN if none. */
  double median() {
    return median(rounds);
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
