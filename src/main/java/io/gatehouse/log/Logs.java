package io.gatehouse.log;

import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * java.util.logging to stdout, one line per event: {@code <UTC time> <LEVEL> <logger> <message>}. JUL needs no
 * extra dependency, and Vert.x, Netty and Hazelcast all log through it here.
 */
public final class Logs {

  private Logs() {}

  public static void toStdout() {
    System.setProperty("hazelcast.logging.type", "jdk");
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    Handler handler = new StreamHandler(System.out, new OneLine()) {
      @Override
      public synchronized void publish(LogRecord record) {
        super.publish(record);
        flush();
      }
    };
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.INFO);
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
    Logger.getLogger("com.hazelcast").setLevel(Level.WARNING);
  }

  /** The logger for a Gatehouse class, named by its package and simple name (e.g. {@code listener.TcpListener}). */
  public static Logger of(Class<?> type) {
    return Logger.getLogger(type.getName());
  }

  static final class OneLine extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder sb = new StringBuilder(160)
          .append(Instant.ofEpochMilli(r.getMillis())).append(' ')
          .append(r.getLevel().getName()).append(' ')
          .append(shortName(r.getLoggerName())).append(": ")
          .append(formatMessage(r));
      if (r.getThrown() != null) {
        sb.append(" (").append(r.getThrown()).append(')');
      }
      return sb.append('\n').toString();
    }

    private static String shortName(String name) {
      if (name == null) {
        return "-";
      }
      return name.startsWith("io.gatehouse.") ? name.substring("io.gatehouse.".length()) : name;
    }
  }

}
