package dev.grpcloop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario measured: for each server (by its label in summary.json), its figures by
 * name, in the order first recorded.
 */
final class ScenarioResult {
  final String name;

  /** Server label, then figure name, then the figure. */
  final Map<String, Map<String, Figure>> servers = new LinkedHashMap<>();

  /** Why the scenario stopped early, or null if it ran to the end. */
  String error;

  ScenarioResult(String name) {
    this.name = name;
  }

  /** Measures one scenario into its result. */
  @FunctionalInterface
  interface Run {
    void measure(String name, ScenarioResult into) throws Exception;
  }

  /**
   * Runs each of {@code names} into a result of its own; a scenario that fails has its error
   * recorded in its result and said, and the next one goes on.
   */
  static List<ScenarioResult> runEach(List<String> names, Progress progress, Run run) {
    List<ScenarioResult> results = new ArrayList<>();
    for (String name : names) {
      ScenarioResult result = new ScenarioResult(name);
      results.add(result);
      try {
        run.measure(name, result);
      } catch (Exception e) {
        result.error = e.toString();
        progress.say(name + " failed: " + e);
      }
    }
    return results;
  }

  /** Adds one measured round's value of a figure. */
  void record(String server, String figure, String unit, double value) {
    servers.computeIfAbsent(server, s -> new LinkedHashMap<>())
        .computeIfAbsent(figure, f -> new Figure(unit))
        .rounds.add(value);
  }

  /** The figure, or null if that server did not measure it. */
  Figure figure(String server, String figure) {
    Map<String, Figure> figures = servers.get(server);
    return figures == null ? null : figures.get(figure);
  }

  /** The names of the figures any server measured, in the order first recorded. */
  List<String> figureNames() {
    List<String> names = new ArrayList<>();
    for (Map<String, Figure> figures : servers.values()) {
      for (String name : figures.keySet()) {
        if (!names.contains(name)) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /** {@code server}'s median over {@code base}'s, or NaN where either is missing or base is 0. */
  double ratio(String figureName, String server, String base) {
    Figure a = figure(server, figureName);
    Figure b = figure(base, figureName);
    if (a == null || b == null || b.median() == 0) {
      return Double.NaN;
    }
    return a.median() / b.median();
  }
}
