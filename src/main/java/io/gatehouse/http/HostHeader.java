package io.gatehouse.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;

/**
 * The Host of a request (or HTTP/2's :authority): whether it is valid (RFC 9110 7.2, RFC 9112 3.2: one line, a
 * host of RFC 3986's characters, a numeric port), and the name HOST_NAME rules compare.
 */
public final class HostHeader {

  /**
   * reg-name: unreserved and sub-delims (RFC 3986 3.2.2). Not its escapes: no DNS name holds one, and a member
   * that decoded {@code adm%69n} would serve a name the HOST_NAME rules did not see.
   */
  private static final CharClass REG_NAME = CharClass.of("-._~!$&'()*+,;=").withLettersAndDigits();
  /**
   * What brackets may hold: IPv6 (hex, ':' and a dotted IPv4 tail), a zone ({@code %25} and its name) and
   * IPvFuture ('v', unreserved, sub-delims).
   */
  private static final CharClass IP_LITERAL = REG_NAME.with(":%");

  private HostHeader() {}

  /**
   * Whether the request's Host, or its :authority on HTTP/2, is valid. A second Host line is the strict decoder's
   * to refuse ({@link StrictRequestDecoder}); on HTTP/2 Vert.x makes one authority of the Host fields. HTTP/1.1
   * and HTTP/2 need one (RFC 9112 3.2, RFC 9113 8.3.1: the http schemes have an authority); HTTP/1.0 may go
   * without. An absolute-form target's authority must be the Host (RFC 9112 3.2: a client sends them identical),
   * else the policies would match one name and a member that follows RFC 9112 3.2.2 act on the other.
   */
  static boolean valid(HttpServerRequest req) {
    String host = req.headers().get(HttpHeaders.HOST);
    if (host != null && !valid(host)) {
      return false;
    }
    HostAndPort authority = req.authority(); // HTTP/2's :authority, parsed by Vert.x
    if (host == null && authority == null) {
      return req.version() == HttpVersion.HTTP_1_0;
    }
    if (host == null && !(validAuthorityHost(authority.host()) && authority.port() <= 65_535)) {
      return false;
    }
    String target = RequestTarget.authority(req.uri());
    return target == null || host != null && target.equalsIgnoreCase(host);
  }

  /** Vert.x may give an IPv6 authority without its brackets. */
  private static boolean validAuthorityHost(String host) {
    return validHost(host, 0, host.length()) || host.indexOf(':') >= 0 && chars(IP_LITERAL, host, 0, host.length());
  }

  /**
   * {@code host [":" port]}: a bracketed IP literal or a reg-name, and a port of 1 to 5 digits up to 65535. An
   * empty value is valid (RFC 9110 7.2: a target without authority), an empty host with a port is not.
   */
  public static boolean valid(String value) {
    int end = value.length();
    int colon = value.lastIndexOf(':');
    if (colon >= 0 && colon > value.lastIndexOf(']')) {
      if (colon == 0 || !validPort(value, colon + 1)) {
        return false;
      }
      end = colon;
    }
    return validHost(value, 0, end);
  }

  private static boolean validHost(String s, int from, int to) {
    if (from < to && s.charAt(from) == '[') {
      return to - from >= 3 && s.charAt(to - 1) == ']' && chars(IP_LITERAL, s, from + 1, to - 1);
    }
    return chars(REG_NAME, s, from, to) && labels(s, from, to);
  }

  /**
   * No empty label but the root's (one trailing dot, which HOST_NAME rules ignore): {@code .a.example} and
   * {@code a.example..} are no names, and members differ on whether to strip or refuse them.
   */
  private static boolean labels(String s, int from, int to) {
    char previous = '.';
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c == '.' && previous == '.') {
        return false;
      }
      previous = c;
    }
    return true;
  }

  private static boolean chars(CharClass allowed, String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!allowed.has(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean validPort(String value, int from) {
    int n = value.length();
    if (n == from || n - from > 5) {
      return false;
    }
    int port = 0;
    for (int i = from; i < n; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65_535;
  }

  /** The host name as HOST_NAME rules see it: lower case, without one trailing dot (a fully qualified name). */
  public static String forRules(String host) {
    String h = host;
    int n = h.length();
    if (n > 1 && h.charAt(n - 1) == '.') {
      h = h.substring(0, n - 1);
    }
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return h.toLowerCase(Locale.ROOT);
      }
    }
    return h;
  }
}
