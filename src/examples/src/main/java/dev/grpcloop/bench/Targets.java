package dev.grpcloop.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bars the adapter is measured against (issue 7; the event-loop mode and the client: "blocking
 * handlers at the transport's own speed"), checked on the medians. Reported, never
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
    THROUGHPUT.put("unary_qps", "qps");
  }

  /**
   * The default mode against raw_direct: the least ratio of its throughput. Request and response
   * (issue 20) has the higher bar; it is where a blocking handler pays its hand-offs.
   */
  private static final Map<String, Double> RAW_DIRECT_BARS = new LinkedHashMap<>();

  static {
    RAW_DIRECT_BARS.put("pingpong", 0.85);
    RAW_DIRECT_BARS.put("stream_1", 0.8);
    RAW_DIRECT_BARS.put("stream_64", 0.8);
    RAW_DIRECT_BARS.put("official_qps", 0.8);
    RAW_DIRECT_BARS.put("unary_qps", 0.85);
  }

  /** The adapter's own heap per idle stream may be at most this (1.5 KiB). */
  static final double IDLE_HEAP_BAR = 1536;

  /** The event-loop mode's own heap per idle stream may be at most this (1.2 KiB). */
  static final double EVENTLOOP_IDLE_HEAP_BAR = 1229;

  /** The event-loop mode against raw_direct, by scenario: the least ratio of its throughput. */
  private static final Map<String, Double> EVENTLOOP_BARS = new LinkedHashMap<>();

  static {
    EVENTLOOP_BARS.put("pingpong", 0.95);
    EVENTLOOP_BARS.put("stream_1", 1.0);
    EVENTLOOP_BARS.put("stream_64", 1.0);
    EVENTLOOP_BARS.put("official_qps", 0.95);
    EVENTLOOP_BARS.put("unary_qps", 0.95);
  }

  /** The client scenarios' throughput figures. */
  private static final Map<String, String> CLIENT_THROUGHPUT = new LinkedHashMap<>();

  static {
    CLIENT_THROUGHPUT.put("client_pingpong", "round_trips_per_s");
    CLIENT_THROUGHPUT.put("client_stream_1", "messages_per_s");
  }

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
      double bar = RAW_DIRECT_BARS.get(t.getKey());
      out.add(target(figure + " adapter/raw_direct", ">= " + bar,
          r == null ? Double.NaN : r.ratio(t.getValue(), Report.ADAPTER, Report.RAW_DIRECT),
          v -> v >= bar));
    }
    ScenarioResult ping = byName.get("pingpong");
    out.add(target("pingpong.p50_us adapter - raw_direct (us)", "<= 20",
        difference(ping, "p50_us", Report.ADAPTER), v -> v <= 20));
    out.add(target("pingpong.p99_us adapter/raw_direct", "<= 1.3",
        ping == null ? Double.NaN : ping.ratio("p99_us", Report.ADAPTER, Report.RAW_DIRECT),
        v -> v <= 1.3));
    // The event-loop mode: at the transport's own speed.
    for (Map.Entry<String, Double> t : EVENTLOOP_BARS.entrySet()) {
      ScenarioResult r = byName.get(t.getKey());
      String figure = THROUGHPUT.get(t.getKey());
      double bar = t.getValue();
      out.add(target(t.getKey() + "." + figure + " adapter_eventloop/raw_direct",
          ">= " + bar, r == null ? Double.NaN
              : r.ratio(figure, Report.ADAPTER_EVENTLOOP, Report.RAW_DIRECT), v -> v >= bar));
    }
    out.add(target("pingpong.p50_us adapter_eventloop - raw_direct (us)", "<= 5",
        difference(ping, "p50_us", Report.ADAPTER_EVENTLOOP), v -> v <= 5));
    out.add(target("pingpong.p99_us adapter_eventloop/raw_direct", "<= 1.1",
        ping == null ? Double.NaN
            : ping.ratio("p99_us", Report.ADAPTER_EVENTLOOP, Report.RAW_DIRECT),
        v -> v <= 1.1));
    // The client: ClientStream, on ordinary threads and on the event loop's caller threads,
    // against grpc-java's blocking and async clients.
    for (String client : List.of(Report.ADAPTER, Report.ADAPTER_EVENTLOOP)) {
      for (Map.Entry<String, String> t : CLIENT_THROUGHPUT.entrySet()) {
        ScenarioResult r = byName.get(t.getKey());
        String figure = t.getKey() + "." + t.getValue();
        out.add(target(figure + " " + client + "/grpc_blocking_v2", ">= 1.0", r == null
            ? Double.NaN : r.ratio(t.getValue(), client, Report.GRPC_BLOCKING_V2), v -> v >= 1.0));
        out.add(target(figure + " " + client + "/raw_async", ">= 0.9", r == null ? Double.NaN
            : r.ratio(t.getValue(), client, Report.RAW_ASYNC), v -> v >= 0.9));
      }
    }
    ScenarioResult idle = byName.get(IdleScenario.NAME);
    if (idle != null) {
      Map<String, Object> minus = Report.adapterMinusRaw(idle);
      Map<String, Object> loopMinus = Report.minusRaw(idle, Report.ADAPTER_EVENTLOOP);
      for (String name : idle.figureNames()) {
        if (name.startsWith("heap_bytes_per_stream") && minus.containsKey(name)) {
          double v = (Double) ((Map<?, ?>) minus.get(name)).get("median");
          out.add(target("idle_streams." + name + " adapter - raw (B)", "<= 1536", v,
              x -> x <= IDLE_HEAP_BAR));
        }
        if (name.startsWith("heap_bytes_per_stream") && loopMinus.containsKey(name)) {
          double v = (Double) ((Map<?, ?>) loopMinus.get(name)).get("median");
          out.add(target("idle_streams." + name + " adapter_eventloop - raw (B)",
              "<= 1229 (1.2 KiB)", v, x -> x <= EVENTLOOP_IDLE_HEAP_BAR));
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
      for (String server : List.of(Report.ADAPTER, Report.ADAPTER_EVENTLOOP)) {
        Figure held = idle.figure(server, "heap_bytes_per_stream_n100000");
        double value = held != null && idle.error == null ? 1 : idle.error != null ? 0 : Double.NaN;
        out.add(target("idle_streams " + server + " holds n=100000 at -Xmx1g (1 = yes)", "== 1",
            value, x -> x == 1));
      }
    }
    return out;
  }

  /** A readable list of the targets for standard output. */
  static String text(List<Map<String, Object>> targets) {
    StringBuilder out = new StringBuilder("targets\n");
    for (Map<String, Object> t : targets) {
      Object met = t.get("met");
      out.append(String.format(Locale.ROOT, "  %-8s %-66s %10s  (bar %s)%n",
          met == null ? "n/a" : (Boolean) met ? "met" : "MISSED", t.get("target"),
          t.get("value") == null ? "n/a" : Report.format((Double) t.get("value")), t.get("bar")));
    }
    return out.toString();
  }

  private static double difference(ScenarioResult r, String figure, String server) {
    if (r == null) {
      return Double.NaN;
    }
    Figure a = r.figure(server, figure);
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
