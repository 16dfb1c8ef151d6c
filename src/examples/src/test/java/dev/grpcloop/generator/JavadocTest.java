package dev.grpcloop.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** .proto comments become doc comments that javac and javadoc take literally. */
@Timeout(60)
class JavadocTest {

  @Test
  void escapesWhatJavacOrJavadocWouldInterpret() {
    assertThat(Javadoc.escape("a */ b /* c")).isEqualTo("a *&#47; b /&#42; c");
    assertThat(Javadoc.escape("@deprecated {@link X}")).isEqualTo("&#64;deprecated {&#64;link X}");
    assertThat(Javadoc.escape("<b>&amp;</b>")).isEqualTo("&lt;b&gt;&amp;amp;&lt;/b&gt;");
    assertThat(Javadoc.escape("\\u002a/")).isEqualTo("&#92;u002a/");
    assertThat(Javadoc.escape("a/b*c")).isEqualTo("a/b*c");
  }

  @Test
  void aCommentBecomesAPreformattedBlock() {
    assertThat(Javadoc.preformatted(" First line.\n   indented  \n\n Last.\n\n"))
        .isEqualTo(List.of("<pre>", "First line.", "  indented", "", "Last.", "</pre>"));
  }

  @Test
  void noCommentNoBlock() {
    assertThat(Javadoc.preformatted("")).isEmpty();
    assertThat(Javadoc.preformatted(" \n\n")).isEmpty();
  }

  @Test
  void paragraphsAreFilledWithoutBreakingInlineTags() {
    List<String> lines = new Doc()
        .p("one two {@link Foo#bar three four} five")
        .p("second")
        .tag("@param x a long description")
        .lines(14);

    assertThat(lines).containsExactly(
        "one two",
        "{@link Foo#bar three four}",
        "five",
        "",
        "<p>second",
        "",
        "@param x a",
        "    long",
        "    description");
  }
}
