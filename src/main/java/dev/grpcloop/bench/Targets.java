package dev.grpcloop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bar the adapter is measured against (issue 7), checked on the medians. Reported, never
 * asserted: a miss is a finding to explain, not a failed run.
 */
final class Targets {
  private Targets() {}

  /** The throughput figures, by scenario. */
  private static final Map<String, String> THROUGHPUT = new LinkedHashMap<>();

  static {
    THROUGHPUT.put("pingpong", "round_trips_per_s");
    THROUGHPUT.put("stream_1", "messages_per_s");
    THROUGHPUT.put("stream_64", "messages_per_s");
    THROUGHPUT.put("official_qps", "qps");
  }

  /** The adapter's own heap per idle stream may be at most this (1.5 KiB). */
  static final double IDLE_HEAP_BAR = 1536;

  /** Every target, each with its measured value and whether it was met (null: not measured). */
  static List<Map<String, Object>> evaluate(List<ScenarioResult> results) {
    Map<String, ScenarioResult> byName = new LinkedHashMap<>();
    for (ScenarioResult r : results) {
      byName.put(r.name, r);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map.Entry<String, String> t : THROUGHPUT.entrySet()) {
      ScenarioResult r = byName.get(t.getKey());
      String figure = t.getKey() + "." + t.getValue();
      out.add(target(figure + " adapter/raw", ">= 1.0",
          r == null ? Double.NaN : r.ratio(t.getValue(), Report.ADAPTER, Report.RAW),
          v -> v >= 1.0));
      out.add(target(figure + " adapter/raw_direct", ">= 0.8",
          r == null ? Double.NaN : r.ratio(t.getValue(), Report.ADAPTER, Report.RAW_DIRECT),
          v -> v >= 0.8));
    }
    ScenarioResult ping = byName.get("pingpong");
    out.add(target("pingpong.p50_us adapter - raw_direct (us)", "<= 20",
        difference(ping, "p50_us"), v -> v <= 20));
    out.add(target("pingpong.p99_us adapter/raw_direct", "<= 1.3",
        ping == null ? Double.NaN : ping.ratio("p99_us", Report.ADAPTER, Report.RAW_DIRECT),
        v -> v <= 1.3));
    ScenarioResult idle = byName.get(IdleScenario.NAME);
    if (idle != null) {
      Map<String, Object> minus = Report.adapterMinusRaw(idle);
      for (String name : idle.figureNames()) {
        if (name.startsWith("heap_bytes_per_stream") && minus.containsKey(name)) {
          double v = (Double) ((Map<?, ?>) minus.get(name)).get("median");
          out.add(target("idle_streams." + name + " adapter - raw (B)", "<= 1536", v,
              x -> x <= IDLE_HEAP_BAR));
        }
        if (name.startsWith("handlers_left")) {
          double most = Double.NaN;
          for (Map<String, Figure> figures : idle.servers.values()) {
            Figure left = figures.get(name);
            if (left != null) {
              for (double v : left.rounds) {
                most = Double.isNaN(most) ? v : Math.max(most, v);
              }
            }
          }
          out.add(target("idle_streams." + name + " (every server, every round)", "== 0", most,
              x -> x == 0));
        }
      }
      // 1: every round held 100,000 streams; 0: the scenario failed before; n/a: not asked for.
      Figure held = idle.figure(Report.ADAPTER, "heap_bytes_per_stream_n100000");
      double value = held != null && idle.error == null ? 1 : idle.error != null ? 0 : Double.NaN;
      out.add(target("idle_streams adapter holds n=100000 at -Xmx1g (1 = yes)", "== 1", value,
          x -> x == 1));
    }
    return out;
  }

  /** A readable list of the targets for standard output. */
  static String text(List<Map<String, Object>> targets) {
    StringBuilder out = new StringBuilder("targets\n");
    for (Map<String, Object> t : targets) {
      Object met = t.get("met");
      out.append(String.format(Locale.ROOT, "  %-8s %-62s %10s  (bar %s)%n",
          met == null ? "n/a" : (Boolean) met ? "met" : "MISSED", t.get("target"),
          t.get("value") == null ? "n/a" : Report.format((Double) t.get("value")), t.get("bar")));
    }
    return out.toString();
  }

  private static double difference(ScenarioResult r, String figure) {
    if (r == null) {
      return Double.NaN;
    }
    Figure a = r.figure(Report.ADAPTER, figure);
    Figure b = r.figure(Report.RAW_DIRECT, figure);
    return a == null || b == null ? Double.NaN : a.median() - b.median();
  }

  private interface Check {
    boolean met(double value);
  }

  private static Map<String, Object> target(String name, String bar, double value, Check check) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("target", name);
    t.put("bar", bar);
    boolean measured = !Double.isNaN(value);
    t.put("value", measured ? Report.round(value, 4) : null);
    t.put("met", measured ? check.met(value) : null);
    return t;
  }
}
