package io.gatehouse.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Typed, never-throwing access to the fields of one JSON object at a known path. A wrong value is reported to
 * {@link Problems} and read as absent, so that parsing goes on and every problem is found in one pass. A JSON
 * {@code null} counts as absent. Fields that were never asked for are errors (unknown fields) at the end.
 */
final class ObjectReader {
  private final JsonObject json;
  private final String path;
  private final Problems problems;
  private final Set<String> read = new HashSet<>();

  ObjectReader(JsonObject json, String path, Problems problems) {
    this.json = json;
    this.path = path;
    this.problems = problems;
    problems.register(this);
  }

  String path() {
    return path;
  }

  String pathOf(String field) {
    return JsonPath.field(path, field);
  }

  Problems problems() {
    return problems;
  }

  boolean has(String field) {
    return raw(field) != null;
  }

  /** The object's field names, in document order. */
  List<String> fieldNames() {
    return List.copyOf(json.fieldNames());
  }

  /** The raw JSON value (null when absent), for fields that take more than one type. */
  Object raw(String field) {
    read.add(field);
    return json.getValue(field);
  }

  void error(String field, String message) {
    problems.error(pathOf(field), message);
  }

  /** Marks fields as known without reading them (their meaning depends on something that is itself wrong). */
  void accept(String... fields) {
    read.addAll(Arrays.asList(fields));
  }

  /** A known field that the rest of the object makes meaningless: a warning, not an error. */
  void ignore(String field, String why) {
    if (has(field)) {
      problems.warn(pathOf(field), why + ", ignored");
    }
  }

  /** Reports a field that must not be given here (an error when present). */
  void refuse(String field, String why) {
    if (has(field)) {
      error(field, why);
    }
  }

  /**
   * Every field nobody asked for is an error: a misspelt field read as absent would silently turn its feature
   * off (a pool without its health monitor). The fields that were asked for are the names this object knows.
   */
  void reportUnread() {
    json.fieldNames().stream().filter(f -> !read.contains(f)).sorted()
        .forEach(f -> error(f, NearestName.of(f, read).map(k -> "unknown field (did you mean " + k + "?)")
            .orElse("unknown field")));
  }

  // ---- strings

  String string(String field) {
    return typed(field, String.class, "must be a string");
  }

  String string(String field, String dflt) {
    String s = string(field);
    return s == null ? dflt : s;
  }

  /** A required string that must not be empty. */
  String requiredString(String field) {
    if (!has(field)) {
      error(field, "is required");
      return null;
    }
    String s = string(field);
    if (s != null && s.isEmpty()) {
      error(field, "must not be empty");
      return null;
    }
    return s;
  }

  /** A string looked up by {@code lookup}; otherwise an error listing {@code allowed}. */
  <T> T oneOf(String field, Function<String, Optional<T>> lookup, String allowed, T dflt) {
    String s = string(field);
    if (s == null) {
      return dflt;
    }
    Optional<T> value = lookup.apply(s);
    if (value.isEmpty()) {
      error(field, "must be one of " + allowed);
      return dflt;
    }
    return value.get();
  }

  <E extends Enum<E>> E enumValue(String field, Class<E> type, E dflt) {
    return oneOf(field, s -> Arrays.stream(type.getEnumConstants()).filter(e -> e.name().equals(s)).findFirst(),
        names(type), dflt);
  }

  <E extends Enum<E>> E requiredEnum(String field, Class<E> type) {
    if (!has(field)) {
      error(field, "is required");
      return null;
    }
    return enumValue(field, type, null);
  }

  static <E extends Enum<E>> String names(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
  }

  // ---- booleans

  boolean bool(String field, boolean dflt) {
    Boolean b = typed(field, Boolean.class, "must be a boolean");
    return b == null ? dflt : b;
  }

  // ---- integers

  /** A JSON integer (never 1.5 nor "80"); values beyond a long read as the nearest long. */
  Long integer(String field) {
    if (!has(field)) {
      return null;
    }
    Object v = json.getValue(field);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger big) {
      return big.signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    error(field, "must be an integer");
    return null;
  }

  int intIn(String field, int min, int max, int dflt) {
    Long v = integer(field);
    if (v == null) {
      return dflt;
    }
    if (v < min || v > max) {
      error(field, "must be " + min + "-" + max);
      return dflt;
    }
    return v.intValue();
  }

  int requiredIntIn(String field, int min, int max) {
    if (!has(field)) {
      error(field, "is required");
      return 0;
    }
    return intIn(field, min, max, 0);
  }

  // ---- numbers and durations

  BigDecimal number(String field) {
    if (!has(field)) {
      return null;
    }
    Object v = json.getValue(field);
    if (v instanceof Double d && d.isInfinite()) {
      // 1e400: beyond any range we accept; keep it comparable
      return BigDecimal.valueOf(d > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE);
    }
    if (v instanceof Number n && !(v instanceof Double d && d.isNaN())) {
      return new BigDecimal(n.toString());
    }
    error(field, "must be a number");
    return null;
  }

  /** Seconds greater than 0 and at most {@code max}; fractions kept to the nanosecond. */
  Duration positiveSeconds(String field, long max, Duration dflt) {
    BigDecimal s = number(field);
    if (s == null) {
      return dflt;
    }
    if (s.signum() <= 0 || s.compareTo(BigDecimal.valueOf(max)) > 0) {
      error(field, "must be more than 0 and at most " + max);
      return dflt;
    }
    return toDuration(s);
  }

  /** Seconds from {@code min} to {@code max}, both included. */
  Duration secondsIn(String field, long min, long max, Duration dflt) {
    BigDecimal s = number(field);
    if (s == null) {
      return dflt;
    }
    if (s.compareTo(BigDecimal.valueOf(min)) < 0 || s.compareTo(BigDecimal.valueOf(max)) > 0) {
      error(field, "must be " + min + "-" + max);
      return dflt;
    }
    return toDuration(s);
  }

  private static Duration toDuration(BigDecimal seconds) {
    return Duration.ofNanos(seconds.movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact());
  }

  // ---- nested objects and lists

  ObjectReader object(String field) {
    JsonObject o = typed(field, JsonObject.class, "must be an object");
    return o == null ? null : new ObjectReader(o, pathOf(field), problems);
  }

  JsonArray list(String field) {
    return typed(field, JsonArray.class, "must be a list");
  }

  /**
   * The elements of a list of objects, one reader per index; an element that is not an object is reported and
   * stands as null so that indexes keep their meaning.
   */
  List<ObjectReader> objects(String field) {
    JsonArray array = list(field);
    List<ObjectReader> out = new ArrayList<>();
    if (array == null) {
      return out;
    }
    for (int i = 0; i < array.size(); i++) {
      String at = JsonPath.index(pathOf(field), i);
      if (array.getValue(i) instanceof JsonObject o) {
        out.add(new ObjectReader(o, at, problems));
      } else {
        problems.error(at, "must be an object");
        out.add(null);
      }
    }
    return out;
  }

  private <T> T typed(String field, Class<T> type, String message) {
    if (!has(field)) {
      return null;
    }
    Object v = json.getValue(field);
    if (type.isInstance(v)) {
      return type.cast(v);
    }
    error(field, message);
    return null;
  }
}
