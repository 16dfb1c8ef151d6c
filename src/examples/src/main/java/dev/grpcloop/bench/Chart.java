package dev.grpcloop.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws the adapter (also in the event-loop mode) against raw grpc-java as an SVG, from
 * summary.json's tree: throughput relative to raw, ping-pong latency, and the heap an idle stream
 * holds. Plain SVG, no scripts or fonts.
 */
final class Chart {
  private Chart() {}

  private static final int WIDTH = 900;
  private static final int PANEL_HEIGHT = 260;
  private static final String[] COLORS =
      {"#2b7bba", "#9a9a9a", "#555555", "#d08c2c", "#3c9d5d"};

  /**
   * One panel's data: groups along the x axis, one bar per series in each group, all on one scale
   * or (perGroupScale) each group on its own, for figures of very different sizes.
   */
  private record Panel(String title, List<String> groups, List<String> series, double[][] values,
      String[][] labels, double reference, boolean perGroupScale) {}

  /** The SVG text for a summary.json tree (as {@link Json#parse} returns it). */
  static String render(Map<String, Object> summary) {
    List<Panel> panels = new ArrayList<>();
    Panel throughput = throughput(summary);
    if (throughput != null) {
      panels.add(throughput);
    }
    Panel latency = latency(summary);
    if (latency != null) {
      panels.add(latency);
    }
    Panel idle = idleHeap(summary);
    if (idle != null) {
      panels.add(idle);
    }
    int height = 40 + panels.size() * (PANEL_HEIGHT + 30);
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
        WIDTH, height, WIDTH, height));
    svg.append(String.format(Locale.ROOT,
        "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
    svg.append(text(WIDTH / 2.0, 24, "grpc-loop adapter against raw grpc-java ("
        + machineLine(summary) + ")", "middle", 14, "bold"));
    int y = 40;
    for (Panel panel : panels) {
      draw(svg, panel, y);
      y += PANEL_HEIGHT + 30;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static Panel throughput(Map<String, Object> s) {
    String[][] figures = {
        {"pingpong", "round_trips_per_s", "pingpong round trips/s"},
        {"stream_1", "messages_per_s", "stream_1 msg/s"},
        {"stream_64", "messages_per_s", "stream_64 msg/s"},
        {"official_qps", "qps", "official_qps QPS"},
        {"unary_qps", "qps", "unary_qps QPS"}};
    List<String> series = List.of("adapter", "raw", "raw_direct", "adapter_eventloop");
    List<String> groups = new ArrayList<>();
    List<double[]> values = new ArrayList<>();
    List<String[]> labels = new ArrayList<>();
    for (String[] f : figures) {
      double raw = median(s, f[0], "raw", f[1]);
      if (Double.isNaN(raw) || raw == 0) {
        continue;
      }
      groups.add(f[2]);
      double[] v = new double[series.size()];
      String[] l = new String[series.size()];
      for (int i = 0; i < series.size(); i++) {
        double m = median(s, f[0], series.get(i), f[1]);
        v[i] = m / raw;
        l[i] = Double.isNaN(m) ? "" : String.format(Locale.ROOT, "%.2fx", m / raw);
      }
      values.add(v);
      labels.add(l);
    }
    if (groups.isEmpty()) {
      return null;
    }
    return new Panel("Throughput relative to raw (higher is better; raw = 1.0)", groups, series,
        values.toArray(new double[0][]), labels.toArray(new String[0][]), 1.0, false);
  }

  private static Panel latency(Map<String, Object> s) {
    List<String> series = List.of("adapter", "raw", "raw_direct", "adapter_eventloop");
    List<String> groups = new ArrayList<>();
    List<double[]> values = new ArrayList<>();
    List<String[]> labels = new ArrayList<>();
    for (String figure : List.of("p50_us", "p99_us")) {
      if (Double.isNaN(median(s, "pingpong", "raw", figure))) {
        continue;
      }
      groups.add("pingpong " + figure.replace("_us", "") + " (us)");
      double[] v = new double[series.size()];
      String[] l = new String[series.size()];
      for (int i = 0; i < series.size(); i++) {
        v[i] = median(s, "pingpong", series.get(i), figure);
        l[i] = Report.format(v[i]);
      }
      values.add(v);
      labels.add(l);
    }
    if (groups.isEmpty()) {
      return null;
    }
    return new Panel("Ping-pong round-trip latency in microseconds (lower is better; each group"
        + " on its own scale)", groups, series, values.toArray(new double[0][]),
        labels.toArray(new String[0][]), Double.NaN, true);
  }

  private static Panel idleHeap(Map<String, Object> s) {
    Object scenario = s.get("idle_streams");
    if (!(scenario instanceof Map<?, ?> idle)) {
      return null;
    }
    List<String> series =
        List.of("adapter", "raw", "raw_direct", "adapter_platform", "adapter_eventloop");
    List<String> figures = new ArrayList<>();
    for (String server : series) {
      if (idle.get(server) instanceof Map<?, ?> set) {
        for (Object key : set.keySet()) {
          String figure = key.toString();
          if (figure.startsWith("heap_bytes_per_stream_n") && !figures.contains(figure)) {
            figures.add(figure);
          }
        }
      }
    }
    List<String> groups = new ArrayList<>();
    List<double[]> values = new ArrayList<>();
    List<String[]> labels = new ArrayList<>();
    for (String figure : figures) {
      groups.add(String.format(Locale.ROOT, "%,d idle streams",
          Long.parseLong(figure.substring("heap_bytes_per_stream_n".length()))));
      double[] v = new double[series.size()];
      String[] l = new String[series.size()];
      for (int i = 0; i < series.size(); i++) {
        v[i] = median(s, "idle_streams", series.get(i), figure);
        l[i] = Double.isNaN(v[i]) ? "" : Report.format(v[i]) + " B";
        double stacks = median(s, "idle_streams", series.get(i),
            figure.replace("heap_bytes", "native_thread_bytes"));
        if (!Double.isNaN(v[i]) && stacks > v[i]) {
          // Platform threads keep their stacks off the heap: show what they cost there too.
          l[i] += " + " + Report.format(stacks) + " B native";
        }
      }
      values.add(v);
      labels.add(l);
    }
    if (groups.isEmpty()) {
      return null;
    }
    return new Panel("Server heap per idle stream in bytes, after GC (lower is better)", groups,
        series, values.toArray(new double[0][]), labels.toArray(new String[0][]), Double.NaN, false);
  }

  private static void draw(StringBuilder svg, Panel p, int top) {
    double left = 60;
    double right = WIDTH - 20;
    double plotTop = top + 40;
    double plotBottom = top + PANEL_HEIGHT - 30;
    double[] scale = new double[p.groups().size()];
    double max = Double.isNaN(p.reference()) ? 0 : p.reference();
    for (int g = 0; g < scale.length; g++) {
      scale[g] = Double.isNaN(p.reference()) ? 0 : p.reference();
      for (double v : p.values()[g]) {
        if (!Double.isNaN(v)) {
          scale[g] = Math.max(scale[g], v);
          max = Math.max(max, v);
        }
      }
    }
    for (int g = 0; g < scale.length; g++) {
      double highest = p.perGroupScale() ? scale[g] : max;
      scale[g] = highest <= 0 ? 1 : highest * 1.15;
    }
    svg.append(text(left, top + 18, p.title(), "start", 13, "bold"));
    double legendX = left;
    for (int i = 0; i < p.series().size(); i++) {
      svg.append(String.format(Locale.ROOT,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>%n",
          legendX, top + 26.0, COLORS[i % COLORS.length]));
      svg.append(text(legendX + 14, top + 35, p.series().get(i), "start", 11, "normal"));
      legendX += 24 + 7 * p.series().get(i).length();
    }
    svg.append(String.format(Locale.ROOT,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>%n",
        left, plotBottom, right, plotBottom));
    if (!Double.isNaN(p.reference())) {
      double ry = plotBottom - (plotBottom - plotTop) * p.reference() / scale[0];
      svg.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c0392b\" "
              + "stroke-dasharray=\"4 3\"/>%n", left, ry, right, ry));
    }
    double groupWidth = (right - left) / p.groups().size();
    int n = p.series().size();
    double barWidth = Math.min(48, (groupWidth - 30) / n);
    for (int g = 0; g < p.groups().size(); g++) {
      double gx = left + g * groupWidth + (groupWidth - barWidth * n) / 2;
      for (int i = 0; i < n; i++) {
        double v = p.values()[g][i];
        if (Double.isNaN(v)) {
          continue;
        }
        double h = (plotBottom - plotTop) * v / scale[g];
        double x = gx + i * barWidth;
        svg.append(String.format(Locale.ROOT,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n",
            x + 2, plotBottom - h, barWidth - 4, h, COLORS[i % COLORS.length]));
        svg.append(text(x + barWidth / 2, plotBottom - h - 4, p.labels()[g][i], "middle", 10,
            "normal"));
      }
      svg.append(text(left + g * groupWidth + groupWidth / 2, plotBottom + 16, p.groups().get(g),
          "middle", 11, "normal"));
    }
  }

  private static String machineLine(Map<String, Object> s) {
    if (s.get("machine") instanceof Map<?, ?> m) {
      Object cores = m.get("cores") instanceof Number n ? (Object) n.intValue() : m.get("cores");
      return cores + " cores, " + m.get("cpu") + ", JDK " + m.get("java");
    }
    return "machine unknown";
  }

  /** A figure's median from the tree, or NaN where any level is missing. */
  static double median(Map<String, Object> s, String scenario, String server, String figure) {
    if (s.get(scenario) instanceof Map<?, ?> sc
        && sc.get(server) instanceof Map<?, ?> figures
        && figures.get(figure) instanceof Map<?, ?> f
        && f.get("median") instanceof Number m) {
      return m.doubleValue();
    }
    return Double.NaN;
  }

  private static String text(double x, double y, String s, String anchor, int size, String weight) {
    String escaped = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    return String.format(Locale.ROOT,
        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" font-weight=\"%s\">%s</text>%n",
        x, y, anchor, size, weight, escaped);
  }
}
