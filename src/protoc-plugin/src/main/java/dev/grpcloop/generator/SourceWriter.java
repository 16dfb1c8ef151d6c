package dev.grpcloop.generator;

import java.util.List;

/**
 * Builds Java source text line by line, two spaces per indent level, wrapping long declarations
 * and calls after their opening parenthesis (continuation lines four spaces in).
 */
final class SourceWriter {
  static final int MAX_LINE = 100;

  private final StringBuilder out = new StringBuilder();
  private int indent;

  SourceWriter line(String text) {
    if (!text.isEmpty()) {
      out.append("  ".repeat(indent)).append(text);
    }
    out.append('\n');
    return this;
  }

  SourceWriter blank() {
    return line("");
  }

  SourceWriter in() {
    indent++;
    return this;
  }

  SourceWriter out() {
    indent--;
    return this;
  }

  /** Opens a block: {@code text {}, then one level in. */
  SourceWriter open(String text) {
    return line(text + " {").in();
  }

  /** Closes a block: one level out, then {@code close}. */
  SourceWriter close(String close) {
    return out().line(close);
  }

  /**
   * A doc comment: {@code doc}'s paragraphs filled to the line length, its preformatted lines as
   * they are; a single short paragraph on one line.
   */
  SourceWriter javadoc(Doc doc) {
    int width = MAX_LINE - indent * 2 - 3;
    List<String> lines = doc.lines(width);
    if (lines.size() == 1 && fits(lines.get(0).length() + 7)) {
      return line("/** " + lines.get(0) + " */");
    }
    line("/**");
    for (String l : lines) {
      line(l.isEmpty() ? " *" : " * " + l);
    }
    return line(" */");
  }

  /**
   * {@code head(params)tail} on one line if it fits; else with a {@code throws} clause of {@code
   * tail} on a continuation line; else broken after the parenthesis, the parameters on one
   * continuation line or one per line (and the {@code throws} clause on a line of its own where
   * it still does not fit).
   */
  SourceWriter wrapped(String head, List<String> params, String tail) {
    String joined = String.join(", ", params);
    String throwsClause = "";
    String rest = tail;
    int t = tail.indexOf(" throws ");
    if (t >= 0) {
      throwsClause = tail.substring(t + 1);
      rest = tail.substring(0, t);
    }
    String signature = head + "(" + joined + ")";
    if (params.isEmpty() || fits(signature.length() + tail.length())) {
      return line(signature + tail);
    }
    indent += 2;
    boolean throwsFits = fits(throwsClause.length());
    indent -= 2;
    if (t >= 0 && fits(signature.length() + rest.length()) && throwsFits) {
      line(signature + rest);
      indent += 2;
      line(throwsClause);
      indent -= 2;
      return this;
    }
    line(head + "(");
    indent += 2;
    if (fits(joined.length() + tail.length() + 1)) {
      line(joined + ")" + tail);
    } else if (t >= 0 && fits(joined.length() + rest.length() + 1)) {
      line(joined + ")" + rest);
      line(throwsClause);
    } else {
      for (int i = 0; i < params.size() - 1; i++) {
        line(params.get(i) + ",");
      }
      String last = params.get(params.size() - 1) + ")";
      if (t >= 0 && !fits(last.length() + tail.length())) {
        line(last + rest);
        line(throwsClause);
      } else {
        line(last + tail);
      }
    }
    indent -= 2;
    return this;
  }

  private boolean fits(int length) {
    return indent * 2 + length <= MAX_LINE;
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
