package dev.grpcloop.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Redraws the benchmark chart from a summary.json: {@code ChartMain SUMMARY_JSON OUT_SVG}. The
 * benchmark run does the same at its end; this redraws it without measuring again.
 */
public final class ChartMain {
  private ChartMain() {}

  /** Reads {@code args[0]} (summary.json) and writes the chart to {@code args[1]}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: ChartMain SUMMARY_JSON OUT_SVG");
    }
    write(Path.of(args[0]), Path.of(args[1]));
    System.out.println("wrote " + args[1]);
  }

  /** Draws the chart of the summary at {@code json} into {@code svg}. */
  @SuppressWarnings("unchecked")
  static void write(Path json, Path svg) throws IOException {
    Object tree = Json.parse(Files.readString(json, StandardCharsets.UTF_8));
    if (!(tree instanceof Map<?, ?>)) {
      throw new IOException(json + " does not hold a JSON object");
    }
    Files.writeString(svg, Chart.render((Map<String, Object>) tree), StandardCharsets.UTF_8);
  }
}
