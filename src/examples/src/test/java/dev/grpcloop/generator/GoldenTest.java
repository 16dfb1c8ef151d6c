package dev.grpcloop.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the generated code stable: what the generator writes for the protos of src/test/proto is
 * committed under src/test/resources/golden (one {@code .java.txt} file per generated class), and
 * must stay as it is unless the change is meant. After a meant change, regenerate the files with
 *
 * <pre>
 * ./mvnw test -Dtest=GoldenTest -Dsurefire.failIfNoSpecifiedTests=false -Dgolden.update=true
 * </pre>
 *
 * <p>and review their diff. The build's own protoc run on the same protos must write the same
 * files: that checks the plugin as protoc runs it, a subprocess on Maven's java.
 */
@Timeout(60)
class GoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static final String SUFFIX = ".txt";

  @Test
  void theGeneratedCodeIsTheGoldenCode() throws IOException {
    Map<String, String> generated = TestProtos.generate("");
    assertThat(generated).isNotEmpty();
    if (Boolean.getBoolean("golden.update")) {
      update(generated);
    }
    for (Map.Entry<String, String> file : generated.entrySet()) {
      Path golden = GOLDEN.resolve(file.getKey() + SUFFIX);
      assertThat(golden).as("golden file of %s (regenerate: see GoldenTest)", file.getKey())
          .exists();
      assertThat(file.getValue()).as("%s against %s (regenerate: see GoldenTest)", file.getKey(),
          golden).isEqualTo(Files.readString(golden));
    }
    assertThat(goldenFiles()).as("golden files, each generated (regenerate: see GoldenTest)")
        .isEqualTo(new TreeSet<>(generated.keySet()));
  }

  @Test
  void protocRunningThePluginWritesTheSameFiles() throws IOException {
    Map<String, String> generated = TestProtos.generate("");
    for (Map.Entry<String, String> file : generated.entrySet()) {
      Path written = TestProtos.PROTOC_OUTPUT.resolve(file.getKey());
      assertThat(written).exists();
      assertThat(Files.readString(written))
          .as("%s as the build's protoc run wrote it. If only this fails, that output is older"
              + " than the generator (the protobuf plugin regenerates only for changed protos):"
              + " rebuild with -Dprotobuf.compiler.incremental=false, or after ./mvnw clean",
              written)
          .isEqualTo(file.getValue());
    }
  }

  private static TreeSet<String> goldenFiles() throws IOException {
    TreeSet<String> names = new TreeSet<>();
    if (!Files.isDirectory(GOLDEN)) {
      return names;
    }
    try (Stream<Path> files = Files.walk(GOLDEN)) {
      files.filter(Files::isRegularFile).forEach(f -> {
        String name = GOLDEN.relativize(f).toString().replace('\\', '/');
        names.add(name.substring(0, name.length() - SUFFIX.length()));
      });
    }
    return names;
  }

  private static void update(Map<String, String> generated) throws IOException {
    for (String stale : goldenFiles()) {
      if (!generated.containsKey(stale)) {
        Files.delete(GOLDEN.resolve(stale + SUFFIX));
      }
    }
    for (Map.Entry<String, String> file : generated.entrySet()) {
      Path golden = GOLDEN.resolve(file.getKey() + SUFFIX);
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, file.getValue());
    }
  }
}
