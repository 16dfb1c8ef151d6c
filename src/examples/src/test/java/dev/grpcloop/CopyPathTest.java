package dev.grpcloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's copy path, as a new user takes it: a fresh project with the README's pom ({@code
 * src/test/resources/copy-path}), the adapter and the generator copied in, a .proto with all four
 * kinds, and the README's server and client. It must build with Maven from scratch and answer
 * every call. Runs Maven in a process of its own (about a minute).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CopyPathTest {

  @Test
  void aNewProjectWithTheReadmesPomBuildsAndEveryKindAnswers() throws Exception {
    Path project = Files.createTempDirectory("copy-path");
    copyTree(Path.of("src/test/resources/copy-path"), project);
    copyTree(Repository.adapterSources(),
        project.resolve("src/main/java/dev/grpcloop/adapter"));
    copyTree(Repository.generatorSources(),
        project.resolve("src/main/java/dev/grpcloop/generator"));
    Files.createDirectories(project.resolve("src/main/proto"));
    Files.copy(Repository.path("proto/numbers.proto"), project.resolve("src/main/proto/numbers.proto"));

    Path classpath = project.resolve("classpath.txt");
    Process build = java(new ProcessBuilder(Repository.path("mvnw").toString(), "-q",
        "-B", "-f", project.resolve("pom.xml").toString(), "compile",
        "dependency:build-classpath", "-Dmdep.outputFile=" + classpath))
        .redirectErrorStream(true).start();
    CompletableFuture<String> buildOutput = readAll(build);
    assertThat(build.waitFor(8, TimeUnit.MINUTES)).as("the build ends").isTrue();
    assertThat(build.exitValue()).as("the build of the copied project:%n%s", buildOutput.get())
        .isZero();

    String cp = project.resolve("target/classes") + java.io.File.pathSeparator
        + Files.readString(classpath).strip();
    Process server = java(new ProcessBuilder(javaExecutable(), "--enable-native-access=ALL-UNNAMED",
        "-cp", cp, "com.example.Server", "0")).redirectErrorStream(true).start();
    try {
      BufferedReader serverOut = new BufferedReader(
          new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String listening = serverOut.readLine();
      assertThat(listening).startsWith("listening on port ");
      String port = listening.substring("listening on port ".length());

      Process client = new ProcessBuilder(javaExecutable(), "--enable-native-access=ALL-UNNAMED",
          "-cp", cp, "com.example.Client", port).redirectErrorStream(true).start();
      CompletableFuture<String> clientOutput = readAll(client);
      assertThat(client.waitFor(1, TimeUnit.MINUTES)).as("the client ends").isTrue();
      assertThat(client.exitValue()).as("the client's exit code").isZero();
      assertThat(clientOutput.get().lines()).containsExactly(
          "square: 49",
          "countdown: 3", "countdown: 2", "countdown: 1", "countdown: 0",
          "sum: 10",
          "running sum: 1", "running sum: 3", "running sum: 6");
    } finally {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Runs Maven and the copied project's code on this test's own JDK (21+). */
  private static ProcessBuilder java(ProcessBuilder builder) {
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return builder;
  }

  private static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static CompletableFuture<String> readAll(Process process) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(output unreadable: " + e + ")";
      }
    });
  }

  private static void copyTree(Path from, Path to) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(from)) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    }
    for (Path file : files) {
      Path target = to.resolve(from.relativize(file).toString());
      Files.createDirectories(target.getParent());
      Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
