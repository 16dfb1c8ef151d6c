package dev.grpcloop.generator;

import java.util.ArrayList;
import java.util.List;

/** Turns a .proto comment into doc comment lines that javac and javadoc take literally. */
final class Javadoc {
  private Javadoc() {}

  /**
   * The comment's lines, escaped, inside {@code <pre>} and {@code </pre>}; no lines for an empty
   * comment. Leading blank lines and trailing blank lines and spaces are dropped, and one leading
   * space (protoc keeps the one after {@code //}) is taken off each line.
   */
  static List<String> preformatted(String comment) {
    List<String> lines = new ArrayList<>();
    for (String line : escape(comment).split("\n", -1)) {
      line = stripTrailing(line);
      if (line.startsWith(" ")) {
        line = line.substring(1);
      }
      if (!line.isEmpty() || !lines.isEmpty()) {
        lines.add(line);
      }
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    if (lines.isEmpty()) {
      return lines;
    }
    lines.add(0, "<pre>");
    lines.add("</pre>");
    return lines;
  }

  /**
   * Escapes what would end the comment ({@code *}{@code /}), start a nested one, start a block or
   * inline tag ({@code @}), be read as HTML ({@code <}, {@code >}, {@code &}) or as a Unicode
   * escape (a backslash: javac reads those even in comments).
   */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    char previous = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '*' -> out.append(previous == '/' ? "&#42;" : "*");
        case '/' -> out.append(previous == '*' ? "&#47;" : "/");
        case '@' -> out.append("&#64;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '\\' -> out.append("&#92;");
        case '\r' -> { }
        default -> out.append(c);
      }
      previous = c;
    }
    return out.toString();
  }

  private static String stripTrailing(String line) {
    int end = line.length();
    while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
      end--;
    }
    return line.substring(0, end);
  }
}
