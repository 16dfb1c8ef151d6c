package dev.grpcloop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the scenario results into summary.json's tree and into the tables: one row per figure, one
 * column per server, then the ratios. Both come from the same medians, so they always agree.
 */
final class Report {
  private Report() {}

  static final String ADAPTER = "adapter";
  static final String RAW = "raw";
  static final String RAW_DIRECT = "raw_direct";
  static final String ADAPTER_EVENTLOOP = "adapter_eventloop";
  static final String GRPC_BLOCKING_V2 = "grpc_blocking_v2";
  static final String RAW_ASYNC = "raw_async";

  /** The figure set in idle_streams that isolates the adapter's own cost: adapter minus raw. */
  static final String ADAPTER_MINUS_RAW = "adapter_minus_raw";

  /** The servers whose own cost idle_streams isolates, each against raw. */
  private static final List<String> MINUS_RAW = List.of(ADAPTER, ADAPTER_EVENTLOOP);

  /** A ratio a scenario reports: {@code server}'s medians over {@code base}'s. */
  record Comparison(String server, String base) {
    /** Its key in summary.json: adapter_vs_raw. */
    String key() {
      return server + "_vs_" + base;
    }

    /** Its column in the tables: adapter/raw. */
    String column() {
      return server + "/" + base;
    }
  }

  /**
   * The ratios of a scenario: the client scenarios compare the adapter's clients (the event-loop
   * mode's where it ran) with grpc-java's blocking and async clients; the others compare the
   * adapter's servers (the event-loop mode's where it ran) with raw grpc-java.
   */
  static List<Comparison> comparisons(ScenarioResult r) {
    List<String> bases = ClientScenarios.NAMES.contains(r.name)
        ? List.of(GRPC_BLOCKING_V2, RAW_ASYNC) : List.of(RAW, RAW_DIRECT);
    List<Comparison> out = new ArrayList<>();
    for (String server : List.of(ADAPTER, ADAPTER_EVENTLOOP)) {
      if (server.equals(ADAPTER) || r.servers.containsKey(server)) {
        for (String base : bases) {
          out.add(new Comparison(server, base));
        }
      }
    }
    return out;
  }

  /** summary.json's tree: one object per scenario, then the machine, the settings, the targets. */
  static Map<String, Object> summary(
      List<ScenarioResult> results, Map<String, Object> machine, Map<String, Object> settings) {
    Map<String, Object> root = new LinkedHashMap<>();
    for (ScenarioResult r : results) {
      root.put(r.name, scenario(r));
    }
    root.put("machine", machine);
    root.put("settings", settings);
    root.put("targets", Targets.evaluate(results));
    return root;
  }

  private static Map<String, Object> scenario(ScenarioResult r) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Figure>> server : r.servers.entrySet()) {
      Map<String, Object> figures = new LinkedHashMap<>();
      for (Map.Entry<String, Figure> f : server.getValue().entrySet()) {
        figures.put(f.getKey(), figure(f.getValue().median(), f.getValue().unit, f.getValue().rounds));
      }
      out.put(server.getKey(), figures);
    }
    for (Comparison c : comparisons(r)) {
      out.put(c.key(), ratios(r, c));
    }
    for (String server : MINUS_RAW) {
      Map<String, Object> minus = minusRaw(r, server);
      if (!minus.isEmpty()) {
        out.put(server + "_minus_raw", minus);
      }
    }
    if (r.error != null) {
      out.put("error", r.error);
    }
    return out;
  }

  /** A figure for summary.json, to three decimals: nanoseconds for microseconds, no further. */
  private static Map<String, Object> figure(double median, String unit, List<Double> rounds) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("median", round(median, 3));
    f.put("unit", unit);
    f.put("rounds", rounds.stream().map(v -> (Object) round(v, 3)).toList());
    return f;
  }

  private static Map<String, Object> ratios(ScenarioResult r, Comparison c) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : r.figureNames()) {
      if (r.figure(c.server(), name) != null && r.figure(c.base(), name) != null) {
        out.put(name, round(r.ratio(name, c.server(), c.base()), 4));
      }
    }
    return out;
  }

  /** {@link #minusRaw} for the adapter. */
  static Map<String, Object> adapterMinusRaw(ScenarioResult r) {
    return minusRaw(r, ADAPTER);
  }

  /**
   * For the per-stream memory figures: {@code server}'s value minus raw's, round by round (rounds
   * are paired in the order measured), with their median.
   */
  static Map<String, Object> minusRaw(ScenarioResult r, String server) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String name : r.figureNames()) {
      if (!name.contains("bytes_per_stream")) {
        continue;
      }
      Figure a = r.figure(server, name);
      Figure b = r.figure(RAW, name);
      if (a == null || b == null) {
        continue;
      }
      List<Double> rounds = new ArrayList<>();
      for (int i = 0; i < Math.min(a.rounds.size(), b.rounds.size()); i++) {
        rounds.add(a.rounds.get(i) - b.rounds.get(i));
      }
      out.put(name, figure(Figure.median(rounds), a.unit, rounds));
    }
    return out;
  }

  /** The plain-text table printed on standard output. */
  static String table(List<ScenarioResult> results) {
    StringBuilder out = new StringBuilder();
    for (ScenarioResult r : results) {
      List<String> columns = columns(r);
      List<List<String>> rows = rows(r, columns);
      int[] widths = new int[columns.size() + 1];
      List<String> header = new ArrayList<>();
      header.add(r.name);
      header.addAll(columns);
      for (List<String> row : prepend(header, rows)) {
        for (int i = 0; i < row.size(); i++) {
          widths[i] = Math.max(widths[i], row.get(i).length());
        }
      }
      for (List<String> row : prepend(header, rows)) {
        for (int i = 0; i < row.size(); i++) {
          String cell = row.get(i);
          out.append(i == 0 ? pad(cell, widths[i]) : "  " + padLeft(cell, widths[i]));
        }
        out.append('\n');
      }
      if (r.error != null) {
        out.append("  ERROR: ").append(r.error).append('\n');
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** The same table as Markdown, for docs/performance.md. */
  static String markdown(List<ScenarioResult> results) {
    StringBuilder out = new StringBuilder();
    for (ScenarioResult r : results) {
      List<String> columns = columns(r);
      out.append("| `").append(r.name).append("` |");
      for (String c : columns) {
        out.append(' ').append(c).append(" |");
      }
      out.append("\n|---|");
      out.append("---:|".repeat(columns.size()));
      out.append('\n');
      for (List<String> row : rows(r, columns)) {
        out.append("| ").append(String.join(" | ", row)).append(" |\n");
      }
      if (r.error != null) {
        out.append("\nError: ").append(r.error).append('\n');
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static List<String> columns(ScenarioResult r) {
    List<String> columns = new ArrayList<>(r.servers.keySet());
    for (Comparison c : comparisons(r)) {
      columns.add(c.column());
    }
    for (String server : MINUS_RAW) {
      if (!minusRaw(r, server).isEmpty()) {
        columns.add(server + "-raw");
      }
    }
    return columns;
  }

  private static List<List<String>> rows(ScenarioResult r, List<String> columns) {
    Map<String, Comparison> ratioColumns = new LinkedHashMap<>();
    for (Comparison c : comparisons(r)) {
      ratioColumns.put(c.column(), c);
    }
    Map<String, Map<String, Object>> minusColumns = new LinkedHashMap<>();
    for (String server : MINUS_RAW) {
      minusColumns.put(server + "-raw", minusRaw(r, server));
    }
    List<List<String>> rows = new ArrayList<>();
    for (String name : r.figureNames()) {
      List<String> row = new ArrayList<>();
      String unit = "";
      for (Map<String, Figure> figures : r.servers.values()) {
        if (figures.containsKey(name) && !figures.get(name).unit.isEmpty()) {
          unit = " (" + figures.get(name).unit + ")";
        }
      }
      row.add(name + unit);
      for (String column : columns) {
        Comparison c = ratioColumns.get(column);
        Map<String, Object> minus = minusColumns.get(column);
        if (c != null) {
          row.add(ratio(r.ratio(name, c.server(), c.base())));
        } else if (minus != null) {
          row.add(minus.containsKey(name)
              ? format((Double) ((Map<?, ?>) minus.get(name)).get("median")) : "");
        } else {
          Figure f = r.figure(column, name);
          row.add(f == null ? "" : format(f.median()));
        }
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<List<String>> prepend(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    return all;
  }

  /** A figure for a table: thousands grouped, about three significant digits below 1000. */
  static String format(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String ratio(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2f", v);
  }

  static double round(double v, int digits) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    double scale = Math.pow(10, digits);
    return Math.round(v * scale) / scale;
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }

  private static String padLeft(String s, int width) {
    return " ".repeat(Math.max(0, width - s.length())) + s;
  }
}
