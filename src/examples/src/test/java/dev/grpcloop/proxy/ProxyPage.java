package dev.grpcloop.proxy;

import dev.grpcloop.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blocks of {@code docs/proxy.md} that the proxy tests run: a configuration follows a
 * {@code <!-- proxy-config:NAME -->} line, a Java snippet a {@code <!-- snippet:NAME -->} line,
 * each as one fenced block. The tests run what the page prints, so the two cannot drift apart.
 */
final class ProxyPage {
  private ProxyPage() {}

  static final Path PAGE = Repository.path("docs/proxy.md");

  /** The address the page's blocks listen on; the tests put a free port in its place. */
  static final String LISTEN = "127.0.0.1:8080";

  /** The server address in the page's blocks; the tests put their own server's port there. */
  static final String SERVER = "127.0.0.1:50051";

  /** The configuration block named {@code name}, as printed. */
  static String config(String name) {
    return block("proxy-config", name);
  }

  /** The Java snippet named {@code name}, as printed. */
  static String snippet(String name) {
    return block("snippet", name);
  }

  /**
   * {@code block} with {@code from} replaced by {@code to}; fails if {@code from} does not occur in
   * it exactly once, so that an edit of the page cannot leave a test running something else.
   */
  static String replaceOnce(String block, String from, String to) {
    int at = block.indexOf(from);
    if (at < 0 || block.indexOf(from, at + 1) >= 0) {
      throw new IllegalStateException(
          "expected \"" + from + "\" exactly once in the block of " + PAGE + ":\n" + block);
    }
    return block.substring(0, at) + to + block.substring(at + from.length());
  }

  private static String block(String kind, String name) {
    Matcher m = Pattern.compile(
            "<!-- " + kind + ":" + Pattern.quote(name) + " -->\\n```\\w*\\n(.*?)```",
            Pattern.DOTALL)
        .matcher(read());
    if (!m.find()) {
      throw new IllegalStateException("no block <!-- " + kind + ":" + name + " --> in " + PAGE);
    }
    String found = m.group(1);
    if (m.find()) {
      throw new IllegalStateException("two blocks <!-- " + kind + ":" + name + " --> in " + PAGE);
    }
    return found;
  }

  private static String read() {
    try {
      return Files.readString(PAGE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
