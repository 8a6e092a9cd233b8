package io.gatehouse.http;

import java.nio.charset.StandardCharsets;

/**
 * Finds a query parameter without building a map: scans the raw query for {@code key=} and percent-decodes the
 * first value into a per-thread buffer. The returned sequence is valid until the same thread's next call.
 */
final class QueryParam {

  private static final ThreadLocal<StringBuilder> DECODED = ThreadLocal.withInitial(() -> new StringBuilder(64));

  private QueryParam() {}

  /**
   * The decoded first value of {@code key} in {@code query} ("" for a bare {@code key} or {@code key=}), or null
   * when absent. Names compare raw and case-sensitively; '+' decodes to a space, as browsers encode forms.
   */
  static CharSequence firstValue(String query, String key) {
    if (query == null) {
      return null;
    }
    int start = 0;
    int length = query.length();
    while (start <= length) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = length;
      }
      int nameEnd = start + key.length();
      if (nameEnd <= end && query.startsWith(key, start) && (nameEnd == end || query.charAt(nameEnd) == '=')) {
        return decode(query, Math.min(nameEnd + 1, end), end);
      }
      start = end + 1;
    }
    return null;
  }

  private static CharSequence decode(String s, int from, int to) {
    StringBuilder out = DECODED.get();
    out.setLength(0);
    int i = from;
    while (i < to) {
      char c = s.charAt(i);
      if (c == '+') {
        out.append(' ');
        i++;
      } else if (c == '%' && hexByte(s, i, to) >= 0) {
        i = decodeEscapes(s, i, to, out);
      } else {
        out.append(c);
        i++;
      }
    }
    return out;
  }

  /** Decodes a run of %XX escapes; ASCII directly, multi-byte UTF-8 through a (rare) String. */
  private static int decodeEscapes(String s, int i, int to, StringBuilder out) {
    int b = hexByte(s, i, to);
    if (b < 0x80) {
      out.append((char) b);
      return i + 3;
    }
    byte[] bytes = new byte[(to - i) / 3];
    int n = 0;
    while (i < to && (b = hexByte(s, i, to)) >= 0x80) {
      bytes[n++] = (byte) b;
      i += 3;
    }
    out.append(new String(bytes, 0, n, StandardCharsets.UTF_8));
    return i;
  }

  /** The byte of a well-formed {@code %XX} at {@code i}, else -1 (a malformed escape stays literal). */
  private static int hexByte(String s, int i, int to) {
    if (i + 3 > to || s.charAt(i) != '%') {
      return -1;
    }
    int hi = hex(s.charAt(i + 1));
    int lo = hex(s.charAt(i + 2));
    return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    char lower = (char) (c | 0x20);
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
  }
}
