package dev.grpcloop.generator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generated stub's types follow the RPC's kind, so the compiler, not a run-time exception,
 * rejects what a kind cannot do: a {@code send} on a server-streaming call, a bare {@code recv} on
 * a client-streaming one. Each source below is compiled against {@code KindsLoop}, as the build
 * generated it.
 */
@Timeout(120)
class ClientKindsCompileTest {
  private static final String IMPORTS = """
      import dev.grpcloop.adapter.ClientRecvStream;
      import dev.grpcloop.adapter.ClientSendStream;
      import dev.grpcloop.adapter.ClientStream;
      import dev.grpcloop.generator.test.kinds.KindsLoop;
      import dev.grpcloop.generator.test.kinds.Reply;
      import dev.grpcloop.generator.test.kinds.Request;
      """;

  @Test
  void sendOnAServerStreamingCallDoesNotCompile() throws IOException {
    String report = compile("SendOnSplit", IMPORTS + """
        class SendOnSplit {
          static void call(KindsLoop.Stub stub, Request request) throws Exception {
            try (var split = stub.split(request)) {
              split.send(request);
            }
          }
        }
        """);

    assertThat(report).isEqualTo("SendOnSplit.java:10: error: cannot find symbol\n"
        + "      split.send(request);\n"
        + "           ^\n"
        + "  symbol:   method send(Request)\n"
        + "  location: variable split of type ClientRecvStream<Reply>\n"
        + "1 error\n");
  }

  @Test
  void aBareRecvOnAClientStreamingCallDoesNotCompile() throws IOException {
    String report = compile("RecvOnJoin", IMPORTS + """
        class RecvOnJoin {
          static Reply call(KindsLoop.Stub stub, Request request) throws Exception {
            try (var join = stub.join()) {
              join.send(request);
              return join.recv();
            }
          }
        }
        """);

    assertThat(report).isEqualTo("RecvOnJoin.java:11: error: cannot find symbol\n"
        + "      return join.recv();\n"
        + "                 ^\n"
        + "  symbol:   method recv()\n"
        + "  location: variable join of type ClientSendStream<Request,Reply>\n"
        + "1 error\n");
  }

  @Test
  void eachKindUsedAsItsKindCompiles() throws IOException {
    String report = compile("EveryKind", IMPORTS + """
        class EveryKind {
          static void call(KindsLoop.Stub stub, Request request) throws Exception {
            try (ClientRecvStream<Reply> split = stub.split(request)) {
              for (Reply r; (r = split.recv()) != null; ) {
                System.out.println(r);
              }
            }
            try (ClientSendStream<Request, Reply> join = stub.join()) {
              join.send(request);
              System.out.println(join.closeAndRecv());
            }
            try (ClientStream<Request, Reply> echo = stub.echo()) {
              echo.send(request);
              echo.closeSend();
              for (Reply r; (r = echo.recv()) != null; ) {
                System.out.println(r);
              }
            }
          }
        }
        """);

    assertThat(report).isEmpty();
  }

  /**
   * javac's report on {@code source}, as on the command line, in English; empty if it compiled
   * without a word.
   */
  private static String compile(String className, String source) throws IOException {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter report = new StringWriter();
    JavaFileObject file = new SimpleJavaFileObject(
        URI.create("string:///" + className + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    List<String> options = List.of("-proc:none", "--release", "21",
        "-classpath", System.getProperty("java.class.path"),
        "-d", Files.createTempDirectory(className).toString());
    JavaCompiler.CompilationTask task =
        javac.getTask(report, null, null, options, null, List.of(file));
    task.setLocale(Locale.ENGLISH);
    boolean compiled = task.call();
    assertThat(compiled).as("%s compiled; javac said: %s", className, report)
        .isEqualTo(report.toString().isEmpty());
    // The file's name as javac prints it for a file in the working directory: no URI's slash.
    return report.toString().replace(System.lineSeparator(), "\n")
        .replace("/" + className + ".java:", className + ".java:");
  }
}
