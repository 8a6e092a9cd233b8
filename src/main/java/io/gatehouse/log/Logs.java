package io.gatehouse.log;

import io.gatehouse.config.LogConfig;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * java.util.logging to stdout, one line per event: {@code <UTC time> <LEVEL> <logger>: <message>}, or under
 * {@code log.format: json} one JSON object per line with the same fields. JUL needs no extra dependency, and
 * Vert.x, Netty and Hazelcast all log through it here. {@link #apply} sets the level and format from the
 * configuration, at start and on every reload.
 */
public final class Logs {

  /** The handlers {@link #apply} switches between text and JSON: stdout's, and any a test installed. */
  private static final List<Handler> LINES = new CopyOnWriteArrayList<>();
  /** Libraries chatty below a warning; they stay at warnings unless the level asks for errors only. */
  private static final List<String> QUIET = List.of("io.netty", "com.hazelcast");
  /** Held, so that the levels set on them are not lost when JUL collects an unreferenced logger. */
  private static final Logger GATEHOUSE = Logger.getLogger("io.gatehouse");
  private static final List<Logger> QUIET_LOGGERS = QUIET.stream().map(Logger::getLogger).toList();

  private Logs() {}

  public static void toStdout() {
    System.setProperty("hazelcast.logging.type", "jdk");
    LogManager.getLogManager().reset();
    Logger.getLogger("").addHandler(lines(System.out));
    apply(LogConfig.DEFAULTS);
  }

  /** A handler writing one line per record to {@code out}, in the format {@link #apply} last set. */
  public static Handler lines(OutputStream out) {
    Handler handler = new StreamHandler(out, new OneLine()) {
      @Override
      public synchronized void publish(LogRecord record) {
        super.publish(record);
        flush();
      }
    };
    handler.setLevel(Level.ALL);
    LINES.add(handler);
    return handler;
  }

  /** Stops switching the format of a handler from {@link #lines} (a test's, once done). */
  public static void forget(Handler handler) {
    LINES.remove(handler);
  }

  /**
   * The configured level and format, in place: the Gatehouse loggers at the level ({@code debug} is FINE), the
   * rest of the JVM no lower than INFO (Netty and Hazelcast no lower than WARNING), and the line format of every
   * handler from {@link #lines}.
   */
  public static void apply(LogConfig config) {
    Level level = julLevel(config.level());
    GATEHOUSE.setLevel(level);
    Logger.getLogger("").setLevel(atLeast(level, Level.INFO));
    QUIET_LOGGERS.forEach(l -> l.setLevel(atLeast(level, Level.WARNING)));
    Formatter format = config.format() == LogConfig.Format.JSON ? new JsonLine() : new OneLine();
    LINES.forEach(h -> h.setFormatter(format));
  }

  static Level julLevel(LogConfig.Level level) {
    return switch (level) {
      case ERROR -> Level.SEVERE;
      case WARN -> Level.WARNING;
      case INFO -> Level.INFO;
      case DEBUG -> Level.FINE;
    };
  }

  /** The more severe of the two. */
  private static Level atLeast(Level level, Level floor) {
    return level.intValue() >= floor.intValue() ? level : floor;
  }

  /** The logger for a Gatehouse class, named by its package and simple name (e.g. {@code listener.TcpListener}). */
  public static Logger of(Class<?> type) {
    return Logger.getLogger(type.getName());
  }

  static String shortName(String name) {
    if (name == null) {
      return "-";
    }
    return name.startsWith("io.gatehouse.") ? name.substring("io.gatehouse.".length()) : name;
  }

  /** The configuration's name of a record's level ({@code error}, {@code warn}, {@code info}, {@code debug}). */
  static String levelName(Level level) {
    int v = level.intValue();
    return v >= Level.SEVERE.intValue() ? "error" : v >= Level.WARNING.intValue() ? "warn"
        : v >= Level.INFO.intValue() ? "info" : "debug";
  }

  static final class OneLine extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder sb = new StringBuilder(160)
          .append(Instant.ofEpochMilli(r.getMillis())).append(' ')
          .append(r.getLevel().getName()).append(' ')
          .append(shortName(r.getLoggerName())).append(": ");
      Escapes.lineText(sb, String.valueOf(formatMessage(r)));
      if (r.getThrown() != null) {
        sb.append(" (");
        Escapes.lineText(sb, r.getThrown().toString());
        sb.append(')');
      }
      return sb.append('\n').toString();
    }
  }

  /**
   * {@code {"time", "level", "logger", "message"}} and {@code "error"} when the record has a throwable: the text
   * line's fields, each a JSON string, the level in the configuration's words.
   */
  static final class JsonLine extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder sb = new StringBuilder(192).append("{\"time\":\"").append(Instant.ofEpochMilli(r.getMillis()))
          .append("\",\"level\":\"").append(levelName(r.getLevel())).append("\",\"logger\":");
      Escapes.jsonString(sb, shortName(r.getLoggerName()));
      sb.append(",\"message\":");
      Escapes.jsonString(sb, String.valueOf(formatMessage(r)));
      if (r.getThrown() != null) {
        sb.append(",\"error\":");
        Escapes.jsonString(sb, r.getThrown().toString());
      }
      return sb.append("}\n").toString();
    }
  }
}
