package io.gatehouse.log;

/**
 * Log values made safe to put in a line: nothing a client sent can end the line, start another field or break
 * the JSON. Both forms are plain ASCII (non-ASCII characters as {@code \\uXXXX}), so a console or file in any
 * charset keeps them, and a line stays one line.
 */
final class Escapes {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Escapes() {}

  /** A JSON string, quotes included. */
  static void jsonString(StringBuilder out, String s) {
    out.append('"');
    escaped(out, s);
    out.append('"');
  }

  /** A {@code key=value} value: as it is when it is one plain token, else a JSON-style quoted string. */
  static void textValue(StringBuilder out, String s) {
    if (plain(s)) {
      out.append(s);
    } else {
      jsonString(out, s);
    }
  }

  /**
   * A text log message as it is, but for what could end the line or fake another one (CR, LF and the other
   * control characters, C1 controls, the Unicode line and paragraph separators): those as escapes. Messages quote
   * names, addresses and headers a client or a configuration supplied.
   */
  static void lineText(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && c != '\t' || c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029) {
        escaped(out, String.valueOf(c));
      } else {
        out.append(c);
      }
    }
  }

  /** Whether a text value can stand unquoted: not empty, visible ASCII only, no quote or backslash. */
  private static boolean plain(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  private static void escaped(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c >= 0x7f) {
            out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                .append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
  }
}
