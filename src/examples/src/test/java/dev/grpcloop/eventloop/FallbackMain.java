package dev.grpcloop.eventloop;

import dev.grpcloop.adapter.ClientStream;
import dev.grpcloop.echo.proto.Message;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Run by {@link LoopFallbackTest} in a JVM of its own, started without {@code --add-opens
 * java.base/java.lang}: configures the mode, makes one call, and prints on standard output what
 * happened: {@code log LEVEL MESSAGE} for each record the mode logged, then {@code onLoops BOOLEAN}
 * and {@code handler CARRIER}.
 */
public final class FallbackMain {
  private FallbackMain() {}

  public static void main(String[] args) throws Exception {
    Logger logger = Logger.getLogger(EventLoopHandlers.class.getName());
    logger.setUseParentHandlers(false);
    logger.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        System.out.println("log " + record.getLevel() + " " + record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
    logger.setLevel(Level.ALL);
    try (LoopServer server = LoopServer.start(2, stream -> {
      stream.recv();
      stream.send(LoopServer.message(LoopServer.carrierName(Thread.currentThread())));
    })) {
      System.out.println("onLoops " + server.loops.handlersOnEventLoops());
      try (ClientStream<Message, Message> stream = LoopServer.open(server.connect())) {
        System.out.println("handler " + LoopServer.ask(stream, "where"));
      }
    }
    System.out.flush();
    System.exit(0);
  }
}
