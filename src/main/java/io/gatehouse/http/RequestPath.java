package io.gatehouse.http;

import io.gatehouse.config.PathRules;

/**
 * A request path made normal once, so that what a forwarding policy matches is what the member gets (RFC 3986
 * 6.2.2): percent-encoded unreserved characters decoded, the hex digits of the other escapes in upper case, dot
 * segments removed and, with {@code merge_slashes}, repeated slashes merged. Letter case and {@code ;} parameters
 * are left alone: they are part of their segment.
 *
 * <p>Refused ({@code null}), as a member might read such a path otherwise than the policies did: a character RFC 3986
 * does not allow in a path (control characters, space, {@code " # < > \ ^ ` { | }}, non-ASCII), an invalid escape, an
 * escaped control character, a {@code ..} that climbs above the root, a dot segment with parameters
 * ({@code /..;x/}: a plain segment to RFC 3986, a dot segment to Tomcat, Jetty and Spring, so {@code /x/..;/admin}
 * would reach their {@code /admin} past a rule for it), and an escaped {@code /} or {@code \} unless the listener
 * keeps them ({@code escaped_slashes: "keep"}: passed on as sent, hex in upper case).
 *
 * <p>Per request: a path that is already normal (no escape, no dot segment, no repeated slash) comes back as the
 * same string, without allocating.
 */
public final class RequestPath {

  /** unreserved: ALPHA DIGIT - . _ ~ */
  private static final CharClass UNRESERVED = CharClass.of("-._~").withLettersAndDigits();
  /** pchar (unreserved, sub-delims, ':' '@') and '/': what a path may hold, escapes ('%') aside. */
  static final CharClass PATH = UNRESERVED.with("!$&'()*+,;=:@/");
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private RequestPath() {}

  /** The normal form of an origin-form path (starting with '/'), or null when it is refused. */
  public static String normalise(String path, PathRules rules) {
    int n = path.length();
    if (n == 0 || path.charAt(0) != '/') {
      return null;
    }
    int segment = 1;
    for (int i = 1; i <= n; i++) {
      char c = i < n ? path.charAt(i) : '/';
      if (c == '/') {
        int length = i - segment;
        boolean dot = length == 1 && path.charAt(segment) == '.';
        boolean dots = length == 2 && path.charAt(segment) == '.' && path.charAt(segment + 1) == '.';
        if (dot || dots || (length == 0 && i < n && rules.mergeSlashes())) {
          return rebuild(path, rules);
        }
        segment = i + 1;
      } else if (!PATH.has(c) || c == ';' && dots(path, segment, i)) { // '%' too: an escape to look at
        return rebuild(path, rules);
      }
    }
    return path;
  }

  /** Whether {@code s[from, to)} is {@code .} or {@code ..}. */
  private static boolean dots(CharSequence s, int from, int to) {
    int length = to - from;
    return (length == 1 || length == 2) && s.charAt(from) == '.' && s.charAt(to - 1) == '.';
  }

  /**
   * Segment by segment into a new string: each decoded, then dropped ({@code .}), popping its parent
   * ({@code ..}) or merged (empty) as RFC 3986 5.2.4 does it. A trailing dot segment leaves a trailing slash.
   */
  private static String rebuild(String path, PathRules rules) {
    int n = path.length();
    StringBuilder out = new StringBuilder(n);
    int from = 1;
    while (true) {
      int to = path.indexOf('/', from);
      boolean last = to < 0;
      if (last) {
        to = n;
      }
      int slash = out.length();
      out.append('/');
      int start = out.length();
      if (!decode(path, from, to, out, rules.keepEscapedSlashes())) {
        return null;
      }
      int length = out.length() - start;
      int semi = out.indexOf(";", start);
      if (semi >= 0 && dots(out, start, semi)) {
        return null; // a dot segment with parameters: see above
      }
      if (length == 1 && out.charAt(start) == '.') {
        out.setLength(last ? start : slash);
      } else if (length == 2 && out.charAt(start) == '.' && out.charAt(start + 1) == '.') {
        if (slash == 0) {
          return null; // above the root: a member resolving it would leave its document root
        }
        int parent = out.lastIndexOf("/", slash - 1);
        out.setLength(last ? parent + 1 : parent);
      } else if (length == 0 && !last && rules.mergeSlashes()) {
        out.setLength(slash);
      }
      if (last) {
        return out.length() == 0 ? "/" : out.toString();
      }
      from = to + 1;
    }
  }

  /** Appends segment {@code path[from, to)} decoded where that changes nothing for a member; false: refused. */
  private static boolean decode(String path, int from, int to, StringBuilder out, boolean keepEscapedSlashes) {
    for (int i = from; i < to; i++) {
      char c = path.charAt(i);
      if (c != '%') {
        if (!PATH.has(c)) {
          return false;
        }
        out.append(c);
        continue;
      }
      int hi = i + 2 < to ? hex(path.charAt(i + 1)) : -1;
      int lo = hi < 0 ? -1 : hex(path.charAt(i + 2));
      if (lo < 0) {
        return false;
      }
      int b = hi << 4 | lo;
      if (b < 0x20 || b == 0x7f || ((b == '/' || b == '\\') && !keepEscapedSlashes)) {
        return false;
      }
      if (UNRESERVED.has((char) b)) {
        out.append((char) b);
      } else {
        out.append('%').append(HEX[hi]).append(HEX[lo]);
      }
      i += 2;
    }
    return true;
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    char lower = (char) (c | 0x20);
    return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
  }
}
