package dev.grpcloop;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository itself (README.md, docs/, proto/, mvnw, the adapter's and the protoc
 * plugin's sources), for tests that run in this module's directory, src/examples.
 */
public final class Repository {
  private Repository() {}

  private static final Path ROOT = findRoot();

  /** A path from the repository's top level, such as {@code path("docs", "copying.md")}. */
  public static Path path(String first, String... more) {
    return ROOT.resolve(Path.of(first, more));
  }

  /** The adapter's sources, the directory a user copies. */
  public static Path adapterSources() {
    return path("src/adapter/src/main/java/dev/grpcloop/adapter");
  }

  /** The protoc plugin's sources. */
  public static Path generatorSources() {
    return path("src/protoc-plugin/src/main/java/dev/grpcloop/generator");
  }

  /** Whether {@code path} lies in a module's target/, where the build copies sources too. */
  public static boolean isBuildOutput(Path path) {
    for (Path name : path) {
      if (name.toString().equals("target")) {
        return true;
      }
    }
    return false;
  }

  /** The nearest directory, from the working one up, that holds mvnw and src/adapter. */
  private static Path findRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw"))
          && Files.isDirectory(dir.resolve("src/adapter"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
  }
}
