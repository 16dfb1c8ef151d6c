package dev.grpcloop.generator;

import java.util.ArrayList;
import java.util.List;

/**
 * The text of a doc comment: paragraphs of prose (filled to the line length when written),
 * preformatted blocks (written as they are) and block tags such as {@code @param}.
 */
final class Doc {
  private final List<String> body = new ArrayList<>();
  private final List<String> tags = new ArrayList<>();
  private final List<List<String>> blocks = new ArrayList<>();

  /** A paragraph of prose; every one after the first is written with {@code <p>}. */
  Doc p(String text) {
    body.add(text);
    blocks.add(null);
    return this;
  }

  /** Preformatted lines (already escaped), as they are; none adds nothing. */
  Doc pre(List<String> lines) {
    if (!lines.isEmpty()) {
      body.add(null);
      blocks.add(List.copyOf(lines));
    }
    return this;
  }

  /** A block tag, such as {@code @param name what it is}; written after the paragraphs. */
  Doc tag(String text) {
    tags.add(text);
    return this;
  }

  /** The comment's lines, without the leading {@code " * "}, filled to {@code width}. */
  List<String> lines(int width) {
    List<String> lines = new ArrayList<>();
    boolean firstParagraph = true;
    for (int i = 0; i < body.size(); i++) {
      if (!lines.isEmpty()) {
        lines.add("");
      }
      if (body.get(i) == null) {
        lines.addAll(blocks.get(i));
      } else {
        fill(firstParagraph ? body.get(i) : "<p>" + body.get(i), width, "", lines);
        firstParagraph = false;
      }
    }
    if (!tags.isEmpty() && !lines.isEmpty()) {
      lines.add("");
    }
    for (String tag : tags) {
      fill(tag, width, "    ", lines);
    }
    return lines;
  }

  /**
   * Fills {@code text} into lines of at most {@code width} (a word longer than that stands
   * alone), never breaking inside braces so that inline tags stay on one line.
   */
  static void fill(String text, int width, String continuation, List<String> lines) {
    StringBuilder line = new StringBuilder();
    for (String word : words(text)) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
        line.append(continuation);
      }
      if (line.length() > 0 && !line.toString().equals(continuation)) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
  }

  private static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int depth = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}' && depth > 0) {
        depth--;
      }
      if (c == ' ' && depth == 0) {
        if (word.length() > 0) {
          words.add(word.toString());
          word.setLength(0);
        }
      } else {
        word.append(c);
      }
    }
    if (word.length() > 0) {
      words.add(word.toString());
    }
    return words;
  }
}
