package dev.grpcloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/copying.md as a new user takes it: the page's shell commands, run exactly as printed, in a
 * fresh project holding the page's pom, two {@code .proto} packages (a message imported across
 * them, a nested message, all four kinds) and a server and client that call every method. Only
 * three things differ from a user's machine: the clone is a copy of this working tree, the local
 * Maven repository is a temporary one (MAVEN_ARGS; the usual one is read for downloads), and the
 * port 50051 the page prints is a free one. Maven runs with JAVA_HOME unset and, where this
 * machine has one, JDK 17 first on the PATH, so that the pom must find a JDK 21+ by itself.
 * Several Maven builds, about three minutes.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class CopyPathTest {
  private static final Path PAGE = Repository.path("docs", "copying.md");
  private static final Path FIXTURE = Path.of("src/test/resources/user-project");
  private static final Path JDK_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
  private static final List<String> EXPECTED_CALLS = List.of(
      "price: 750",
      "unpacked: tea", "unpacked: tea", "unpacked: tea",
      "total: 1150 EUR",
      "running total: 750", "running total: 1150");

  private static Path work;
  private static Path clone;
  private static Path localRepository;

  @BeforeAll
  static void cloneThisRepository() throws IOException {
    work = Files.createTempDirectory("copy-path");
    clone = work.resolve("grpc-loop");
    localRepository = work.resolve("m2");
    for (String part : List.of("pom.xml", "mvnw", ".mvn", "src/adapter", "src/protoc-plugin",
        "src/examples/pom.xml")) {
      copyTree(Repository.path(part), clone.resolve(part));
    }
  }

  @AfterAll
  static void deleteWork() throws IOException {
    try (Stream<Path> files = Files.walk(work)) {
      for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(file);
      }
    }
  }

  @Test
  void theCopiedAdapterUnderAPackageOfYourOwnServesEveryKind() throws Exception {
    Path project = newProject("copy", "copy-pom.xml");
    assertThat(run(project, commands("copy")).exitCode).isZero();

    Path copied = project.resolve("src/main/java/com/example/loop");
    assertThat(copied.resolve("ServerStream.java")).exists();
    assertThat(grep(project.resolve("src"), "dev.grpcloop")).as("files naming dev.grpcloop")
        .isEmpty();
    assertThat(doclint(copied)).as("doclint on the renamed adapter").isEmpty();
    assertThat(project.resolve("target/classes/dev")).as("grpc-loop's own classes").doesNotExist();
    assertThat(project.resolve("target/classes/com/example/loop/ServerStream.class")).exists();
    assertEveryMethodAnswers(project);

    // A changed option regenerates without clean: the generated code now imports the other package.
    Path pom = project.resolve("pom.xml");
    String original = Files.readString(pom);
    Files.writeString(pom, original.replace(
        "adapterPackage=com.example.loop", "adapterPackage=com.example.elsewhere"));
    Result moved = run(project, "./mvnw -q compile");
    assertThat(moved.exitCode).isNotZero();
    assertThat(moved.output).contains("package com.example.elsewhere does not exist");

    // A misspelt option: the generator's message reaches a -q build.
    Files.writeString(pom, original.replace("adapterPackage=", "adapterPackge="));
    Result misspelt = run(project, "./mvnw -q compile");
    assertThat(misspelt.exitCode).isNotZero();
    assertThat(misspelt.output).contains("grpc-loop: unknown option \"adapterPackge\"");
  }

  @Test
  void aProjectThatDependsOnTheInstalledArtifactsServesEveryKind() throws Exception {
    Path project = newProject("depend", "depend-pom.xml");
    assertThat(run(project, commands("depend")).exitCode).isZero();

    Path installed = localRepository.resolve("dev/grpcloop/grpc-loop-adapter/0.1.0-SNAPSHOT");
    String adapterPom = Files.readString(installed.resolve("grpc-loop-adapter-0.1.0-SNAPSHOT.pom"));
    assertThat(Pattern.compile("<dependency>").matcher(adapterPom).results().count())
        .as("the adapter's dependencies").isOne();
    assertThat(adapterPom).contains("<artifactId>grpc-api</artifactId>");
    try (ZipFile jar = new ZipFile(
        installed.resolve("grpc-loop-adapter-0.1.0-SNAPSHOT.jar").toFile())) {
      assertThat(jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")))
          .as("the adapter jar's classes").isNotEmpty()
          .allMatch(n -> n.startsWith("dev/grpcloop/adapter/"));
    }
    assertThat(project.resolve("target/classes/dev")).as("grpc-loop's own classes").doesNotExist();
    assertEveryMethodAnswers(project);
  }

  /** The page's "run" commands: the server, then the client against it. */
  private static void assertEveryMethodAnswers(Path project) throws Exception {
    List<String> lines = commands("run").lines().toList();
    assertThat(lines).hasSize(2);
    String port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = Integer.toString(free.getLocalPort());
    }
    String serverCommand = lines.get(0).replaceFirst("\\s*&$", "").replace("50051", port);
    Process server = shell(project, serverCommand).start();
    try {
      BufferedReader serverOut = new BufferedReader(
          new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = serverOut.readLine()) != null && !line.startsWith("listening on port ")) {
        // Maven's own output, if any, before the server's first line.
      }
      assertThat(line).as("the server's first line").isEqualTo("listening on port " + port);
      Result client = run(project, lines.get(1).replace("50051", port));
      assertThat(client.exitCode).as("the client's exit code:%n%s", client.output).isZero();
      assertThat(client.output.lines()).containsExactlyElementsOf(EXPECTED_CALLS);
    } finally {
      server.descendants().forEach(ProcessHandle::destroy);
      server.destroy();
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("the server stops").isTrue();
    }
  }

  private static Path newProject(String name, String pom) throws IOException {
    Path project = work.resolve(name);
    copyTree(FIXTURE.resolve("src"), project.resolve("src"));
    Files.copy(FIXTURE.resolve(pom), project.resolve("pom.xml"));
    return project;
  }

  /** The commands of the page's {@code <!-- commands:NAME -->} block, for this clone. */
  private static String commands(String name) throws IOException {
    Matcher m = Pattern.compile("<!-- commands:" + name + " -->\\n```sh\\n(.*?)```", Pattern.DOTALL)
        .matcher(Files.readString(PAGE));
    assertThat(m.find()).as("a commands:%s block in %s", name, PAGE).isTrue();
    return m.group(1).replaceFirst("(?m)^GRPC_LOOP=.*$", "GRPC_LOOP='" + clone + "'");
  }

  private record Result(int exitCode, String output) {}

  private static Result run(Path project, String script) throws Exception {
    Process process = shell(project, "set -e\n" + script).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(output unreadable: " + e + ")";
      }
    });
    assertThat(process.waitFor(8, TimeUnit.MINUTES)).as("%s ends", script).isTrue();
    return new Result(process.exitValue(), output.get());
  }

  /** bash in {@code project}, as a new user's shell: JDK 17's java first, no JAVA_HOME. */
  private static ProcessBuilder shell(Path project, String script) {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script)
        .directory(project.toFile()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.remove("JAVA_HOME");
    if (Files.isDirectory(JDK_17)) {
      env.put("PATH", JDK_17.resolve("bin") + ":" + env.get("PATH"));
    }
    env.put("MAVEN_ARGS", "-B -Dmaven.repo.local=" + localRepository
        + " -Dmaven.repo.local.tail=" + Path.of(System.getProperty("user.home"), ".m2/repository"));
    return builder;
  }

  /** javac's doclint report on the Java files in {@code dir}; empty when clean. */
  private static String doclint(Path dir) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter report = new StringWriter();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null);
        Stream<Path> sources = Files.list(dir)) {
      List<String> options = List.of("-Xdoclint:all,-missing", "-Xlint:all", "-Werror",
          "-proc:none", "-d", Files.createTempDirectory(work, "doclint").toString(),
          "-classpath", System.getProperty("java.class.path"));
      boolean compiled = javac.getTask(report, files, null, options, null,
          files.getJavaFileObjectsFromPaths(sources.toList())).call();
      return compiled ? report.toString() : "did not compile:\n" + report;
    }
  }

  private static List<Path> grep(Path dir, String text) throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        if (Files.readString(file).contains(text)) {
          found.add(file);
        }
      }
    }
    return found;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(from)) {
      walk.filter(Files::isRegularFile)
          .filter(p -> !Repository.isBuildOutput(from.relativize(p)))
          .forEach(files::add);
    }
    for (Path file : files) {
      Path target = from.equals(file) ? to : to.resolve(from.relativize(file).toString());
      Files.createDirectories(target.getParent());
      Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.COPY_ATTRIBUTES);
    }
  }
}
