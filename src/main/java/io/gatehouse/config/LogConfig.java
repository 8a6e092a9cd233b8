package io.gatehouse.config;

import java.util.Locale;
import java.util.Optional;

/**
 * The top-level {@code log} section: the application log's level and line format, and the access log's line
 * format. All three are applied in place by a reload.
 */
public record LogConfig(Level level, Format format, Format accessFormat) {

  /** {@code level}: the least severe application log event written. */
  public enum Level {
    ERROR, WARN, INFO, DEBUG;

    /** The configuration's spelling, also the {@code level} value of a JSON log line. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** {@code format} and {@code access_format}: today's text line, or one JSON object per line. */
  public enum Format {
    TEXT, JSON
  }

  public static final LogConfig DEFAULTS = new LogConfig(Level.INFO, Format.TEXT, Format.TEXT);

  /** Reads {@code log}; absent means the defaults. */
  static LogConfig parse(ObjectReader r) {
    if (r == null) {
      return DEFAULTS;
    }
    return new LogConfig(
        r.oneOf("level", s -> named(Level.class, s), "error, warn, info, debug", DEFAULTS.level),
        r.oneOf("format", s -> named(Format.class, s), "text, json", DEFAULTS.format),
        r.oneOf("access_format", s -> named(Format.class, s), "text, json", DEFAULTS.accessFormat));
  }

  /** Lower case only, as the contract spells them. */
  private static <E extends Enum<E>> Optional<E> named(Class<E> type, String s) {
    for (E e : type.getEnumConstants()) {
      if (e.name().toLowerCase(Locale.ROOT).equals(s)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
