package dev.grpcloop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The machine and software a run measured on, for summary.json and the README. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("cpu", procField("/proc/cpuinfo", "model name"));
    m.put("memory", procField("/proc/meminfo", "MemTotal"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    m.put("java", System.getProperty("java.runtime.version"));
    m.put("vm", System.getProperty("java.vm.name"));
    m.put("grpc", System.getProperty("bench.grpc.version", "unknown"));
    m.put("grpc_benchmarks_tools", toolsVersion());
    return m;
  }

  /**
   * The version of grpc-benchmarks in the tools folder (official_qps's AsyncClient and reference
   * server): the pom's bench.tools.version, which the build passes as a system property.
   */
  static String toolsVersion() {
    return System.getProperty("bench.tools.version", "unknown");
  }

  /** The value of the first "name: value" line of a /proc file, or "unknown". */
  private static String procField(String file, String name) {
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      for (String line : lines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
          return line.substring(colon + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
    return "unknown";
  }
}
