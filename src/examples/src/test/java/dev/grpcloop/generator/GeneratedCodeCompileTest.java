package dev.grpcloop.generator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcloop.Repository;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generated code compiles without a single warning of javac's {@code -Xlint:all} or of
 * doclint (its javadoc is valid, its links resolve), against grpc-java's generated classes and
 * the adapter: this project's, or a copy of it under a package of one's own.
 */
@Timeout(120)
class GeneratedCodeCompileTest {
  private static final Path ADAPTER_SOURCES = Repository.adapterSources();

  @Test
  void compilesWithoutWarningsAgainstTheAdapter() throws IOException {
    Map<String, String> generated = TestProtos.generate("");
    List<JavaFileObject> sources = new ArrayList<>();
    generated.forEach((name, content) -> sources.add(source(name, content)));

    List<String> diagnostics = compile(sources, List.of("-Xdoclint:all,-missing"));

    assertThat(diagnostics).isEmpty();
  }

  @Test
  void compilesWithoutWarningsAgainstACopyOfTheAdapterUnderAnotherPackage() throws IOException {
    Map<String, String> generated = TestProtos.generate("adapterPackage=com.example.loop");
    List<JavaFileObject> sources = new ArrayList<>();
    generated.forEach((name, content) -> sources.add(source(name, content)));
    // The adapter as a user copies it: every file, with its package renamed.
    try (Stream<Path> files = Files.list(ADAPTER_SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String content = Files.readString(file)
            .replace("package dev.grpcloop.adapter;", "package com.example.loop;")
            .replace("dev.grpcloop.adapter.", "com.example.loop.");
        sources.add(source("com/example/loop/" + file.getFileName(), content));
      }
    }

    List<String> diagnostics = compile(sources, List.of());

    // Only the generated files are this test's business; the adapter has its own build checks.
    assertThat(diagnostics.stream().filter(d -> !d.startsWith("com/example/loop/")))
        .isEmpty();
    assertThat(generated.values()).allSatisfy(source ->
        assertThat(source).doesNotContain("dev.grpcloop.adapter"));
  }

  /** Every diagnostic of compiling {@code sources}, as "file:line: kind: message". */
  private static List<String> compile(List<JavaFileObject> sources, List<String> extraOptions)
      throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> collector = new DiagnosticCollector<>();
    List<String> options = new ArrayList<>(List.of(
        "-Xlint:all", "-proc:none", "--release", "21", "-encoding", "UTF-8",
        "-classpath", System.getProperty("java.class.path"),
        "-d", Files.createTempDirectory("generated-classes").toString()));
    options.addAll(extraOptions);
    JavaCompiler.CompilationTask task =
        javac.getTask(null, null, collector, options, null, sources);
    task.setLocale(Locale.ENGLISH);
    boolean compiled = task.call();
    List<String> diagnostics = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : collector.getDiagnostics()) {
      String file = d.getSource() == null ? "" : d.getSource().getName().substring(1);
      diagnostics.add(file + ":" + d.getLineNumber() + ": " + d.getKind() + ": "
          + d.getMessage(Locale.ENGLISH));
    }
    assertThat(compiled).as("compiled; diagnostics: %s", diagnostics).isTrue();
    return diagnostics;
  }

  private static JavaFileObject source(String path, String content) {
    return new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return content;
      }
    };
  }
}
