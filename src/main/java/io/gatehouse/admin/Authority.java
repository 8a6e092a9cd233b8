package io.gatehouse.admin;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;

/**
 * The host a request to the admin API names, and its port (-1 when not given): lower case, without brackets or a
 * final dot ({@code localhost.} is {@code localhost}). An absolute-form request-target's authority wins over
 * {@code Host} (RFC 9112 3.2.2); HTTP/2 gives {@code :authority}.
 */
record Authority(String name, int port) {

  /** A malformed authority (400), apart from none at all (an empty Host: null). */
  static final Authority INVALID = new Authority("", -1);

  /** The authority of {@code req}: null when it names none, {@link #INVALID}. Two Host lines are the caller's. */
  static Authority of(HttpServerRequest req) {
    String target = req.uri();
    int scheme = target.indexOf("://");
    if (scheme > 0 && target.charAt(0) != '/') {
      int end = target.indexOf('/', scheme + 3);
      int query = target.indexOf('?', scheme + 3);
      end = end < 0 ? query : query < 0 ? end : Math.min(end, query);
      return orInvalid(parse(target.substring(scheme + 3, end < 0 ? target.length() : end)));
    }
    String host = req.getHeader(HttpHeaders.HOST);
    if (host != null) {
      return host.isBlank() ? null : orInvalid(parse(host.trim()));
    }
    HostAndPort authority = req.authority(); // HTTP/2
    if (authority == null) {
      return null;
    }
    String name = authority.host();
    return orInvalid(parse((name.indexOf(':') >= 0 && !name.startsWith("[") ? "[" + name + "]" : name)
        + (authority.port() >= 0 ? ":" + authority.port() : "")));
  }

  private static Authority orInvalid(Authority a) {
    return a == null ? INVALID : a;
  }

  /** {@code host[:port]} ({@code [v6][:port]} for IPv6), or null when malformed (a user part, a bad port). */
  static Authority parse(String text) {
    String name;
    String rest;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        return null;
      }
      name = text.substring(1, close);
      rest = text.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        return null;
      }
    } else {
      int colon = text.indexOf(':');
      if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
        return null; // an IPv6 address must be in brackets
      }
      name = colon < 0 ? text : text.substring(0, colon);
      rest = colon < 0 ? "" : text.substring(colon);
    }
    int port = -1;
    if (!rest.isEmpty()) {
      String digits = rest.substring(1);
      if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      port = Integer.parseInt(digits);
      if (port > 65535) {
        return null;
      }
    }
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1); // the root of DNS: the same name
    }
    if (name.isEmpty() || !name.chars().allMatch(Authority::inAName) || name.startsWith(".") || name.endsWith(".")
        || name.contains("..")) {
      return null; // an empty label
    }
    return new Authority(name.toLowerCase(Locale.ROOT), port);
  }

  /** Letters, digits, {@code - . _} (host names), {@code :} (IPv6 in brackets). */
  static boolean inAName(int c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
        || c == '_' || c == ':';
  }
}
