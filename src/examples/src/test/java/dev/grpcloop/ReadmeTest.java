package dev.grpcloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
 * Keeps the README and the pages of {@code docs/} honest: every Java snippet on them is cut from
 * compiled, tested source, between {@code // snippet:NAME} and {@code // end-snippet} markers; the
 * compiler messages they quote are the ones javac gives; every relative link leads to a file, and
 * every {@code #anchor} to a heading, that exists; and the README stays a front door.
 */
@Timeout(60)
class ReadmeTest {
  private static final Path ROOT = Repository.path("");
  private static final Path README = Repository.path("README.md");
  private static final Pattern PAGE_SNIPPET =
      Pattern.compile("<!-- snippet:([\\w-]+) -->\\n```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyJavaSnippetMatchesItsSource() throws IOException {
    Map<String, String> sources = snippetsInSources();
    List<String> checked = new ArrayList<>();
    for (Path page : pages()) {
      String text = Files.readString(page);
      Matcher m = PAGE_SNIPPET.matcher(text);
      int onPage = 0;
      while (m.find()) {
        String name = m.group(1);
        assertThat(sources).as("source of %s's snippet '%s'", page, name).containsKey(name);
        assertThat(m.group(2)).as("%s's snippet '%s'", page, name).isEqualTo(sources.get(name));
        checked.add(page + ":" + name);
        onPage++;
      }
      long javaBlocks = text.lines().filter(line -> line.equals("```java")).count();
      assertThat(javaBlocks).as("```java blocks on %s, each preceded by a snippet marker", page)
          .isEqualTo(onPage);
    }
    assertThat(checked).anyMatch(s -> s.startsWith(README + ":"));
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
    assertThat(pagesQuoting("<!-- compiler-message -->\n```\n" + quoted + "\n```"))
        .as("pages quoting it").isNotEmpty();
  }

  @Test
  void everyQuotedFileMatchesTheFile() throws IOException {
    Pattern quotedFile =
        Pattern.compile("<!-- file:([\\w./-]+) -->\\n```\\w*\\n(.*?)```", Pattern.DOTALL);
    List<String> checked = new ArrayList<>();
    for (Path page : pages()) {
      Matcher m = quotedFile.matcher(Files.readString(page));
      while (m.find()) {
        assertThat(m.group(2)).as("%s's copy of %s", page, m.group(1))
            .isEqualTo(Files.readString(Repository.path(m.group(1))));
        checked.add(m.group(1));
      }
    }
    assertThat(checked).contains("src/examples/src/test/resources/user-project/depend-pom.xml",
        "src/examples/src/test/resources/user-project/copy-pom.xml");
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
    assertThat(pagesQuoting("<!-- compiler-message-kind -->\n```\n" + quoted + "\n```"))
        .as("pages quoting it").isNotEmpty();
  }

  @Test
  void everyRelativeLinkResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    int links = 0;
    for (Path page : pages()) {
      for (String target : relativeLinks(Files.readString(page))) {
        links++;
        String problem = problemWith(page, target);
        if (problem != null) {
          broken.add(ROOT.relativize(page) + ": (" + target + ") " + problem);
        }
      }
    }
    assertThat(links).as("relative links found").isPositive();
    assertThat(broken).as("relative links that do not resolve").isEmpty();
  }

  @Test
  void theReadmeIsAFrontDoorToEveryPage() throws IOException {
    String readme = Files.readString(README);
    assertThat(readme.lines().count()).as("lines in README.md").isLessThanOrEqualTo(300);
    List<String> linked = relativeLinks(readme).stream()
        .map(target -> target.replaceFirst("#.*", "")).toList();
    for (Path page : pages()) {
      if (!page.equals(README)) {
        assertThat(linked).as("the README's links").contains(ROOT.relativize(page).toString());
      }
    }
  }

  /** Why {@code target}, a relative link on {@code page}, does not resolve; null if it does. */
  private static String problemWith(Path page, String target) throws IOException {
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    String anchor = hash < 0 ? null : target.substring(hash + 1);
    Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
    if (!Files.exists(resolved)) {
      return "no such file";
    }
    if (anchor == null) {
      return null;
    }
    if (!resolved.toString().endsWith(".md")) {
      return anchor.matches("L\\d+(-L\\d+)?") ? null : "an anchor into a file that is not Markdown";
    }
    Set<String> anchors = anchors(Files.readString(resolved));
    return anchors.contains(anchor)
        ? null : "no heading with that anchor in " + ROOT.relativize(resolved);
  }

  /**
   * The targets of the relative links in {@code markdown} ({@code [text](target)}, images,
   * reference definitions), leaving out code and comments, where a link is not a link.
   */
  static List<String> relativeLinks(String markdown) {
    String text = withoutCode(markdown).replaceAll("(?s)<!--.*?-->", "");
    Pattern link = Pattern.compile(
        "\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)|^ {0,3}\\[[^\\]]+\\]:\\s*(\\S+)",
        Pattern.MULTILINE);
    List<String> targets = new ArrayList<>();
    Matcher m = link.matcher(text);
    while (m.find()) {
      String target = m.group(1) != null ? m.group(1) : m.group(2);
      boolean absolute = target.matches("[A-Za-z][A-Za-z0-9+.-]*:.*") || target.startsWith("//");
      if (!absolute) {
        targets.add(target);
      }
    }
    return targets;
  }

  /** GitHub's anchors for the headings of {@code markdown}: its slugs, with -1, -2 for repeats. */
  static Set<String> anchors(String markdown) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    Matcher heading = Pattern.compile("^ {0,3}#{1,6}[ \\t]+(.*?)(?:[ \\t]+#+)?[ \\t]*$",
        Pattern.MULTILINE).matcher(withoutFencedBlocks(markdown));
    while (heading.find()) {
      String slug = slug(heading.group(1));
      int repeat = seen.merge(slug, 1, Integer::sum) - 1;
      anchors.add(repeat == 0 ? slug : slug + "-" + repeat);
    }
    return anchors;
  }

  /**
   * A heading's anchor as GitHub makes it: the text as rendered (no link targets, backticks,
   * emphasis or tags), lower case, with every character but letters, digits, marks, {@code _},
   * {@code -} and spaces dropped, and each space made a {@code -}.
   */
  static String slug(String heading) {
    String rendered = heading
        .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
        .replaceAll("<[^>]+>", "")
        .replaceAll("[`*]", "");
    return rendered.toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{M}\\p{Nd}\\p{Pc} -]", "")
        .replace(' ', '-');
  }

  /** {@code markdown} without its fenced code blocks and inline code spans. */
  private static String withoutCode(String markdown) {
    return withoutFencedBlocks(markdown).replaceAll("(`+)[^`]*?\\1", "");
  }

  /** {@code markdown} without its fenced code blocks, each line of one left empty. */
  private static String withoutFencedBlocks(String markdown) {
    StringBuilder out = new StringBuilder();
    String fence = null;
    for (String line : markdown.split("\n", -1)) {
      String trimmed = line.stripLeading();
      if (fence == null && (trimmed.startsWith("```") || trimmed.startsWith("~~~"))) {
        fence = trimmed.substring(0, 3);
        out.append('\n');
      } else if (fence != null) {
        if (trimmed.startsWith(fence)) {
          fence = null;
        }
        out.append('\n');
      } else {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  /** README.md and every page in docs/. */
  private static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(README);
    try (Stream<Path> docs = Files.list(Repository.path("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The pages that hold {@code text}. */
  private static List<Path> pagesQuoting(String text) throws IOException {
    List<Path> quoting = new ArrayList<>();
    for (Path page : pages()) {
      if (Files.readString(page).contains(text)) {
        quoting.add(page);
      }
    }
    return quoting;
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
        "^[ \\t]*// snippet:([\\w-]+)\\n(.*?)^[ \\t]*// end-snippet",
        Pattern.DOTALL | Pattern.MULTILINE);
    Path sources = Repository.path("src");
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !Repository.isBuildOutput(sources.relativize(p))).toList()) {
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
}
