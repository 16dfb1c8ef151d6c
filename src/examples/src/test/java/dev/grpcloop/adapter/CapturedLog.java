package dev.grpcloop.adapter;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures every java.util.logging record of level WARNING or above, from any logger (grpc's and
 * the adapter's alike), while open.
 */
final class CapturedLog implements AutoCloseable {
  private static final Logger ROOT = Logger.getLogger("");

  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        records.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  CapturedLog() {
    ROOT.addHandler(handler);
  }

  List<LogRecord> records() {
    return records;
  }

  /** One line per record: logger, message and the exception, for failure messages. */
  String describe() {
    StringBuilder out = new StringBuilder();
    for (LogRecord r : records) {
      out.append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ")
          .append(r.getMessage()).append(" / ").append(r.getThrown()).append('\n');
    }
    return out.toString();
  }

  @Override
  public void close() {
    ROOT.removeHandler(handler);
  }
}
