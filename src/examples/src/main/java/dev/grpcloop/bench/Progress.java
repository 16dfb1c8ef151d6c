package dev.grpcloop.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** Progress lines on standard error, so that standard output carries only the result table. */
final class Progress {
  private final PrintStream out;
  private final long start = System.nanoTime();

  Progress(PrintStream out) {
    this.out = out;
  }

  /** Prints one line, stamped with the seconds since the run began. */
  void say(String line) {
    out.printf(Locale.ROOT, "[bench %6.1fs] %s%n", (System.nanoTime() - start) / 1e9, line);
    out.flush();
  }

  /** The last round's value of each of {@code server}'s figures, for a progress line. */
  String lastRound(ScenarioResult result, String server) {
    StringJoiner line = new StringJoiner(", ");
    Map<String, Figure> figures = result.servers.get(server);
    if (figures != null) {
      for (Map.Entry<String, Figure> e : figures.entrySet()) {
        Figure f = e.getValue();
        double last = f.rounds.get(f.rounds.size() - 1);
        line.add(e.getKey() + "=" + Report.format(last));
      }
    }
    return line.toString();
  }
}
