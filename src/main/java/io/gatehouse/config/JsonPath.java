package io.gatehouse.config;

import java.util.regex.Pattern;

/** Builds the JSON paths of error lines: {@code $.listeners[2].protocol_port}, {@code $.x['X-Real-IP']}. */
final class JsonPath {
  static final String ROOT = "$";
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private JsonPath() {}

  static String field(String parent, String name) {
    if (PLAIN.matcher(name).matches()) {
      return parent + "." + name;
    }
    return parent + "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']";
  }

  static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }
}
