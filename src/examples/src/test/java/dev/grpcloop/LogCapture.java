package dev.grpcloop;

import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the warnings that grpc and the adapter log while a test runs, so that the test can
 * assert there were none it did not expect (an exception in a grpc callback is only logged).
 */
public final class LogCapture extends Handler implements AutoCloseable {
  private final Queue<LogRecord> records = new ConcurrentLinkedQueue<>();
  private final List<Logger> loggers;

  /**
   * Starts collecting WARNING and above from the named loggers and their children, instead of
   * printing them: a stress test's thousands of planned failures would flood the console.
   */
  public LogCapture(String... loggerNames) {
    setLevel(Level.WARNING);
    // Held here: java.util.logging keeps loggers weakly, and would drop the handler with them.
    loggers = Arrays.stream(loggerNames).map(Logger::getLogger).toList();
    for (Logger logger : loggers) {
      logger.addHandler(this);
      logger.setUseParentHandlers(false);
    }
  }

  @Override
  public void publish(LogRecord record) {
    if (isLoggable(record)) {
      records.add(record);
    }
  }

  /** The records collected so far, in order. */
  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The records collected, less those {@code expected} accepts, as readable lines. */
  public List<String> unexpected(Predicate<LogRecord> expected) {
    return records.stream()
        .filter(expected.negate())
        .map(r -> r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
            + (r.getThrown() == null ? "" : " " + r.getThrown()))
        .toList();
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    for (Logger logger : loggers) {
      logger.removeHandler(this);
      logger.setUseParentHandlers(true);
    }
  }
}
