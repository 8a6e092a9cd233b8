package io.gatehouse.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * The application log lines: whatever a message holds (a host name or header a client sent, say), one valid JSON
 * object on one ASCII line, or one text line that no message can end early or follow with a forged record.
 */
class LogLinesTest {

  static final String NASTY = "say \"hi\"\nsecond line\r\t\u0001 back\\slash caf\u00e9 \u2028 \ud83d\ude00 }{";

  @Test
  void aMessageWithQuotesNewlinesControlsAndNonAsciiStaysOneParsableLine() {
    LogRecord r = new LogRecord(Level.WARNING, NASTY);
    r.setLoggerName("io.gatehouse.listener.HttpListener");
    r.setThrown(new IllegalStateException("broken \"state\"\nhere"));
    String line = new Logs.JsonLine().format(r);
    assertTrue(line.endsWith("}\n"), line);
    String body = line.substring(0, line.length() - 1);
    assertFalse(body.contains("\n") || body.contains("\r"), body);
    assertTrue(body.chars().allMatch(c -> c >= 0x20 && c < 0x7f), body);
    JsonObject j = new JsonObject(body);
    assertEquals(NASTY, j.getString("message"));
    assertEquals("warn", j.getString("level"));
    assertEquals("listener.HttpListener", j.getString("logger"));
    assertEquals("java.lang.IllegalStateException: broken \"state\"\nhere", j.getString("error"));
    assertEquals(r.getInstant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString(), j.getString("time"));
  }

  @Test
  void noErrorFieldWithoutAThrowableAndLevelsInTheConfigurationsWords() {
    for (Level level : new Level[] {Level.SEVERE, Level.WARNING, Level.INFO, Level.FINE}) {
      JsonObject j = new JsonObject(new Logs.JsonLine().format(new LogRecord(level, "m")));
      assertFalse(j.containsKey("error"));
      assertEquals(Logs.levelName(level), j.getString("level"));
    }
    assertEquals("error", Logs.levelName(Level.SEVERE));
    assertEquals("debug", Logs.levelName(Level.FINER));
  }

  @Test
  void aTextLineCannotBeEndedOrForgedByItsMessage() {
    LogRecord r = new LogRecord(Level.WARNING, "bad host evil\r\n2026-01-01T00:00:00Z INFO runtime.Gateway: forged"
        + " \u0085x\u2028y caf\u00e9\ttab");
    r.setLoggerName("io.gatehouse.listener.HttpListener");
    r.setThrown(new IllegalStateException("two\nlines"));
    String line = new Logs.OneLine().format(r);
    assertTrue(line.endsWith("\n"), line);
    String body = line.substring(0, line.length() - 1);
    assertFalse(body.contains("\n") || body.contains("\r") || body.contains("\u2028") || body.contains("\u0085"), body);
    assertTrue(body.endsWith("WARNING listener.HttpListener: bad host evil\\r\\n2026-01-01T00:00:00Z INFO "
        + "runtime.Gateway: forged \\u0085x\\u2028y caf\u00e9\ttab (java.lang.IllegalStateException: two\\nlines)"),
        body);
  }
}
