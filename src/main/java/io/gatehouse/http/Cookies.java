package io.gatehouse.http;

import java.util.List;

/** Reads cookie values without a parser object or regex: Cookie request headers and Set-Cookie response headers. */
public final class Cookies {

  private Cookies() {}

  /** The value of cookie {@code name} in the Cookie header lines (HTTP/2 may send several), or null. */
  public static String find(List<String> cookieHeaders, String name) {
    for (int i = 0; i < cookieHeaders.size(); i++) {
      String v = find(cookieHeaders.get(i), name);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** The value of cookie {@code name} in one {@code a=1; b=2} header, or null. */
  static String find(String header, String name) {
    int start = 0;
    int len = header.length();
    while (start < len) {
      while (start < len && (header.charAt(start) == ' ' || header.charAt(start) == ';')) {
        start++;
      }
      int end = header.indexOf(';', start);
      if (end < 0) {
        end = len;
      }
      int eq = header.indexOf('=', start);
      if (eq > start && eq < end && eq - start == name.length() && header.startsWith(name, start)) {
        return header.substring(eq + 1, end).trim();
      }
      start = end + 1;
    }
    return null;
  }

  /** The value a Set-Cookie header sets for {@code name}, or null when it sets another cookie. */
  public static String setCookieValue(String setCookie, String name) {
    int eq = setCookie.indexOf('=');
    if (eq != name.length() || !setCookie.startsWith(name)) {
      return null;
    }
    int end = setCookie.indexOf(';', eq);
    return setCookie.substring(eq + 1, end < 0 ? setCookie.length() : end).trim();
  }
}
