package dev.grpcloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps the README honest: every Java snippet in it is cut from compiled, tested source, between
 * {@code // snippet:NAME} and {@code // end-snippet} markers, and the compiler message it quotes is
 * the one javac gives.
 */
@Timeout(60)
class ReadmeTest {
  private static final Path README = Repository.path("README.md");
  private static final Pattern README_SNIPPET =
      Pattern.compile("<!-- snippet:([\\w-]+) -->\\n```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyJavaSnippetMatchesItsSource() throws IOException {
    String readme = Files.readString(README);
    Map<String, String> sources = snippetsInSources();
    Matcher m = README_SNIPPET.matcher(readme);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      String name = m.group(1);
      assertThat(sources).as("source of README snippet '%s'", name).containsKey(name);
      assertThat(m.group(2)).as("README snippet '%s'", name).isEqualTo(sources.get(name));
      checked.add(name);
    }
    assertThat(checked).isNotEmpty();
    long javaBlocks = readme.lines().filter(line -> line.equals("```java")).count();
    assertThat(javaBlocks).as("```java blocks, each preceded by a snippet marker")
        .isEqualTo(checked.size());
  }

  @Test
  void theQuotedCompilerMessageIsJavacs() throws IOException {
    String source = """
        import dev.grpcloop.adapter.ServerStream;
        import dev.grpcloop.echo.proto.Message;
        class WrongType {
          static void echo(ServerStream<Message, Message> stream) throws Exception {
            stream.send("hello");
          }
        }
        """;
    String quoted = "error: incompatible types: String cannot be converted to Message";
    assertThat(compile("WrongType", source)).contains("WrongType.java:5: " + quoted);
    assertThat(Files.readString(README)).contains("<!-- compiler-message -->\n```\n" + quoted + "\n```");
  }

  @Test
  void everyQuotedFileMatchesTheFile() throws IOException {
    String readme = Files.readString(README);
    Matcher m = Pattern.compile("<!-- file:([\\w./-]+) -->\\n```\\w*\\n(.*?)```", Pattern.DOTALL)
        .matcher(readme);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      assertThat(m.group(2)).as("README's copy of %s", m.group(1))
          .isEqualTo(Files.readString(Path.of(m.group(1))));
      checked.add(m.group(1));
    }
    assertThat(checked).contains("src/test/resources/copy-path/pom.xml");
  }

  @Test
  void theCompilerRejectsAHandlerOfTheWrongKind() throws IOException {
    String source = """
        import dev.grpcloop.adapter.ServerStream;
        import dev.grpcloop.numbers.proto.Number;
        import dev.grpcloop.numbers.proto.NumbersLoop;
        class WrongKind implements NumbersLoop.Service {
          @Override
          public void square(ServerStream<Number, Number> stream) {}
        }
        """;
    String quoted = "error: method does not override or implement a method from a supertype";
    assertThat(compile("WrongKind", source)).contains("WrongKind.java:5: " + quoted);
    assertThat(Files.readString(README))
        .contains("<!-- compiler-message-kind -->\n```\n" + quoted + "\n```");
  }

  /** javac's report on {@code source}, as on the command line, in English. */
  private static String compile(String className, String source) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter output = new StringWriter();
    JavaFileObject file = new SimpleJavaFileObject(
        URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    List<String> options = List.of("-classpath", System.getProperty("java.class.path"),
        "-d", Files.createTempDirectory(className).toString());
    JavaCompiler.CompilationTask task =
        javac.getTask(output, null, null, options, null, List.of(file));
    task.setLocale(Locale.ENGLISH);
    assertThat(task.call()).as("%s compiles", className).isFalse();
    return output.toString();
  }

  /** Every marked snippet under src/, by name, with its common indentation removed. */
  private static Map<String, String> snippetsInSources() throws IOException {
    Map<String, String> snippets = new LinkedHashMap<>();
    Pattern marked = Pattern.compile(
        "^[ \\t]*// snippet:([\\w-]+)\\n(.*?)^[ \\t]*// end-snippet", Pattern.DOTALL | Pattern.MULTILINE);
    Path sources = Repository.path("src");
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !isBuildOutput(sources.relativize(p))).toList()) {
        Matcher m = marked.matcher(Files.readString(file));
        while (m.find()) {
          String body = m.group(2).stripTrailing().stripIndent() + "\n";
          String previous = snippets.put(m.group(1), body);
          assertThat(previous).as("snippet '%s' defined twice", m.group(1)).isNull();
        }
      }
    }
    return snippets;
  }

  /** Whether {@code path} lies in a module's target/, where the build copies sources too. */
  private static boolean isBuildOutput(Path path) {
    for (Path name : path) {
      if (name.toString().equals("target")) {
        return true;
      }
    }
    return false;
  }
}
