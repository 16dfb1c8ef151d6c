package dev.grpcloop.serving;

import java.io.PrintStream;

/**
 * Ends this JVM, shutdown hooks and all, when the process that started it ends. Maven's exec
 * plugin starts each example as a child process and, when Maven itself is killed (a SIGTERM from a
 * script, say), leaves that child running on its own: a server nobody can see, still holding its
 * port, or a client still reading the terminal. The pom turns this watch on for the examples it
 * runs, with {@code -Dgrpcloop.stopWithParent=true}; an example started any other way (a service
 * manager, {@code nohup}) is left alone.
 *
 * <p>The JDK watches a process that is not this one's child by polling it: the stop follows within
 * a second at first, and within 5 seconds after several minutes.
 */
public final class ParentWatch {
  private ParentWatch() {}

  /** The system property that turns the watch on. */
  public static final String PROPERTY = "grpcloop.stopWithParent";

  /**
   * If {@link #PROPERTY} is {@code true}, calls {@code System.exit(0)} once the parent process has
   * ended, after a line to {@code out} that says so, naming the example {@code name}.
   */
  public static void startIfAsked(String name, PrintStream out) {
    if (!Boolean.getBoolean(PROPERTY)) {
      return;
    }
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
      out.println(name + ": the process that started it (pid " + parent.pid()
          + ") has ended, so it stops too");
      out.flush();
      System.exit(0);
    }));
  }
}
