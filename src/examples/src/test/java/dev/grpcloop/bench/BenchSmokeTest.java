package dev.grpcloop.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole benchmark at tiny sizes (bench.smoke): every scenario runs against every server, in
 * forked JVMs, and the report comes out complete. It checks that the harness works, not how fast
 * anything is: figures are never asserted against a bar here.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BenchSmokeTest {

  @TempDir Path out;

  @Test
  void smokeRunMeasuresEveryScenarioOnEveryServerAndWritesTheReport() throws Exception {
    Properties p = new Properties();
    p.setProperty("bench.smoke", "true");
    p.setProperty("bench.out", out.toString());
    p.setProperty("bench.tools.dir", System.getProperty("bench.tools.dir", "target/bench-tools"));
    p.setProperty("bench.classpath", System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")));
    BenchOptions options = BenchOptions.from(p);

    List<ScenarioResult> results = BenchMain.run(options, new Progress(System.err));
    Map<String, Object> summary = BenchMain.write(options, results);

    assertThat(results).extracting(r -> r.name).containsExactlyElementsOf(BenchOptions.ALL_SCENARIOS);
    for (ScenarioResult r : results) {
      assertThat(r.error).as(r.name + " error").isNull();
      List<String> servers = ClientScenarios.NAMES.contains(r.name)
          ? List.of("adapter", "grpc_blocking_v2", "raw_async")
          : List.of("adapter", "raw", "raw_direct", "adapter_eventloop");
      assertThat(r.servers.keySet()).as(r.name + " servers").containsAll(servers);
      for (String server : servers) {
        assertThat(r.servers.get(server)).as(r.name + " " + server).isNotEmpty();
        for (Figure f : r.servers.get(server).values()) {
          assertThat(f.rounds).hasSize(options.rounds());
          assertThat(f.median()).isNotNaN().isGreaterThanOrEqualTo(0);
        }
      }
    }
    ScenarioResult idle = results.get(3);
    assertThat(idle.servers).containsKey("adapter_platform");
    for (Map<String, Figure> figures : idle.servers.values()) {
      for (Map.Entry<String, Figure> f : figures.entrySet()) {
        if (f.getKey().startsWith("handlers_left")) {
          assertThat(f.getValue().rounds).as(f.getKey()).containsOnly(0.0);
        }
      }
    }

    Map<String, Object> tree = object(
        Json.parse(Files.readString(out.resolve("summary.json"), StandardCharsets.UTF_8)));
    assertThat(tree.keySet()).containsAll(BenchOptions.ALL_SCENARIOS);
    Map<String, Object> stream1 = object(tree.get("stream_1"));
    assertThat(stream1.keySet())
        .contains("adapter", "raw", "raw_direct", "adapter_vs_raw", "adapter_vs_raw_direct");
    assertThat(object(stream1.get("adapter_vs_raw")).get("messages_per_s"))
        .isInstanceOf(Double.class);
    assertThat(object(stream1.get("adapter_eventloop_vs_raw_direct")).get("messages_per_s"))
        .isInstanceOf(Double.class);
    assertThat(object(tree.get("client_pingpong")).keySet())
        .contains("adapter_vs_grpc_blocking_v2", "adapter_vs_raw_async");
    assertThat(object(tree.get("idle_streams")).keySet())
        .contains("adapter_minus_raw", "adapter_eventloop_minus_raw");
    assertThat(object(tree.get("machine")).get("grpc_benchmarks_tools"))
        .isEqualTo(System.getProperty("bench.tools.version"));
    assertThat(summary.get("targets")).isInstanceOf(List.class);
    assertThat(Files.readString(out.resolve("chart.svg"))).startsWith("<svg").contains("</svg>");
    assertThat(Files.readString(out.resolve("summary.md"))).contains("| `pingpong` |");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object json) {
    assertThat(json).isInstanceOf(Map.class);
    return (Map<String, Object>) json;
  }
}
