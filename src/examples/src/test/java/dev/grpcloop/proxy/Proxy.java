package dev.grpcloop.proxy;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An nginx or haproxy process of the test's own, started from a configuration block of {@code
 * docs/proxy.md} with the block's ports replaced: it listens on a free loopback port and forwards
 * to the test's server. Its files (configuration, logs, nginx's temporary directories) live in a
 * directory the test gives. {@link #close} stops the process by its own PID.
 */
final class Proxy implements AutoCloseable {
  private static final InetAddress LOOPBACK = loopback();

  /** How long a proxy may take to listen; a few milliseconds here. */
  private static final Duration START = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final int port;
  private final Path dir;

  private Proxy(String name, Process process, int port, Path dir) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /** The executable {@code name} on the PATH or in an sbin directory (not on every PATH). */
  static Optional<Path> binary(String name) {
    List<String> dirs = new ArrayList<>(
        List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin"));
    return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
        .filter(Files::isExecutable).findFirst();
  }

  /**
   * Starts {@code nginx} with {@code block} (the page's {@code http}-level block) inside a main
   * configuration of the test's own: in the foreground, one process, its logs and temporary
   * files in {@code dir}.
   */
  static Proxy nginx(Path nginx, String block, int serverPort, Path dir) throws IOException {
    String built = version(nginx, "-V");
    StringBuilder temp = new StringBuilder();
    // Temporary directories default to /var/lib/nginx, which a test may not write; each
    // directive exists only if its module was built in.
    for (String module : List.of("proxy", "fastcgi", "uwsgi", "scgi")) {
      if (!built.contains("--without-http_" + module + "_module")) {
        temp.append("    ").append(module).append("_temp_path ").append(dir.resolve(module))
            .append(";\n");
      }
    }
    String main = """
        daemon off;
        master_process off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log info;
        events {
        }
        http {
            access_log off;
            client_body_temp_path %1$s/client_body;
        %2$s
        %3$s}
        """;
    return start("nginx", dir, port -> {
      Path config = dir.resolve("nginx.conf");
      Files.writeString(config, main.formatted(dir, temp, withPorts(block, port, serverPort)));
      return List.of(nginx.toString(), "-p", dir + "/", "-e", dir.resolve("error.log").toString(),
          "-c", config.toString());
    });
  }

  /** Starts {@code haproxy} in the foreground with {@code config}, a whole configuration. */
  static Proxy haproxy(Path haproxy, String config, int serverPort, Path dir) throws IOException {
    return start("haproxy", dir, port -> {
      Path file = dir.resolve("haproxy.cfg");
      Files.writeString(file, withPorts(config, port, serverPort));
      return List.of(haproxy.toString(), "-db", "-f", file.toString());
    });
  }

  /** What {@code binary flag} prints, its version: nginx and haproxy both print to stderr. */
  static String version(Path binary, String flag) throws IOException {
    Process p = new ProcessBuilder(binary.toString(), flag).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + binary + " for its version", e);
    }
    return out;
  }

  /** The loopback port the proxy listens on. */
  int port() {
    return port;
  }

  /** What the proxy printed and logged so far, for a failing test's message. */
  String log() {
    StringBuilder log = new StringBuilder();
    for (String file : List.of("out.log", "error.log")) {
      Path path = dir.resolve(file);
      try {
        if (Files.exists(path)) {
          log.append("--- ").append(name).append(' ').append(file).append(":\n")
              .append(Files.readString(path));
        }
      } catch (IOException e) {
        log.append("--- cannot read ").append(path).append(": ").append(e).append('\n');
      }
    }
    return log.toString();
  }

  /** Stops the process (SIGTERM: both stop at once), killing it if it has not within 10 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @FunctionalInterface
  private interface Command {
    /** Writes the configuration for {@code port} and returns the command that runs it. */
    List<String> forPort(int port) throws IOException;
  }

  /**
   * Starts the proxy on a free port, waiting until it listens. A port found free can be taken
   * before the proxy binds it: then the proxy exits, and another port is tried.
   */
  private static Proxy start(String name, Path dir, Command command)
      throws IOException {
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      Process process = new ProcessBuilder(command.forPort(port)).redirectErrorStream(true)
          .redirectOutput(dir.resolve("out.log").toFile()).start();
      Proxy proxy = new Proxy(name, process, port, dir);
      if (awaitListening(process, port)) {
        return proxy;
      }
      process.destroyForcibly();
      String log = proxy.log();
      if (attempt == 3 || !log.contains("Address already in use")) {
        throw new IllegalStateException(name + " did not start listening on 127.0.0.1:" + port
            + "\n" + log);
      }
    }
  }

  /**
   * Whether the process listens on {@code port} within {@link #START}; false once it has exited.
   * A foreign process says nothing when it starts listening, so this tries to connect, briefly
   * parking between tries.
   */
  private static boolean awaitListening(Process process, int port) {
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(LOOPBACK, port), 1000);
        return true;
      } catch (IOException notYet) {
        LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
      }
    }
    return false;
  }

  private static String withPorts(String block, int port, int serverPort) {
    String listening = ProxyPage.replaceOnce(block, ProxyPage.LISTEN, "127.0.0.1:" + port);
    return ProxyPage.replaceOnce(listening, ProxyPage.SERVER, "127.0.0.1:" + serverPort);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
      return socket.getLocalPort();
    }
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
