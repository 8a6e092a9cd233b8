package io.gatehouse.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Every java.util.logging record published in this JVM while open, as {@code LEVEL logger: message} lines (a
 * thrown exception's stack trace appended), so that a test can look for what the gateway logged - or must never
 * log. Gatehouse, Vert.x, Netty and Hazelcast all log through JUL. Open it in a try-with-resources block.
 */
public final class LogCapture extends Handler implements AutoCloseable {

  private final SimpleFormatter formatter = new SimpleFormatter();
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LogCapture() {
    setLevel(Level.ALL);
  }

  public static LogCapture start() {
    LogCapture capture = new LogCapture();
    Logger.getLogger("").addHandler(capture);
    return capture;
  }

  @Override
  public void publish(LogRecord r) {
    StringBuilder line = new StringBuilder().append(r.getLevel().getName()).append(' ')
        .append(r.getLoggerName()).append(": ").append(formatter.formatMessage(r));
    if (r.getThrown() != null) {
      StringWriter trace = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(trace));
      line.append('\n').append(trace);
    }
    lines.add(line.toString());
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The captured lines that contain {@code text}. */
  public List<String> matching(String text) {
    return lines.stream().filter(l -> l.contains(text)).toList();
  }

  /** Waits for a line that contains {@code text} and returns it. */
  public String await(String text) {
    Await.until(Duration.ofSeconds(10), () -> !matching(text).isEmpty(), () -> "nothing logged with '" + text
        + "' among:\n" + String.join("\n", lines));
    return matching(text).get(0);
  }

  /** Everything captured, one record per line, for assertion messages and searches. */
  public String text() {
    return String.join("\n", lines);
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    Logger.getLogger("").removeHandler(this);
  }
}
