package io.gatehouse.http;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.List;
import java.util.Map;

/**
 * Copies headers from one hop to the next without the hop-by-hop ones (RFC 9110 7.6.1): Connection and every
 * name it lists, Keep-Alive, TE, Trailer, Transfer-Encoding (Vert.x frames each hop itself), Upgrade unless the
 * exchange is an upgrade, and every Proxy-* header (Proxy-Connection, Proxy-Authorization, and the httpoxy
 * {@code Proxy} header). Host is set separately, from the request's authority.
 */
public final class HopByHop {

  public static final AsciiString X_CLIENT_CERT_SUBJECT = AsciiString.cached("x-client-cert-subject");
  private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  private static final AsciiString TE = AsciiString.cached("te");
  private static final AsciiString TRAILER = AsciiString.cached("trailer");
  private static final AsciiString PROXY = AsciiString.cached("proxy");
  private static final AsciiString PROXY_DASH = AsciiString.cached("proxy-");

  private HopByHop() {}

  /**
   * Copies {@code from} into {@code to} minus hop-by-hop headers, Host, and (requests) any client-sent
   * X-Client-Cert-Subject, which only the gateway may set.
   *
   * @param upgrading keep Upgrade and Connection: upgrade (a WebSocket handshake)
   */
  public static void copy(MultiMap from, MultiMap to, boolean upgrading) {
    List<String> connection = from.getAll(HttpHeaders.CONNECTION);
    for (Map.Entry<String, String> e : from) {
      String name = e.getKey();
      if (!isHopByHop(name) && !listedIn(connection, name)) {
        to.add(name, e.getValue());
      }
    }
    if (upgrading) {
      to.set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
      to.set(HttpHeaders.UPGRADE, from.get(HttpHeaders.UPGRADE));
    }
  }

  static boolean isHopByHop(String name) {
    if (name.isEmpty() || name.charAt(0) == ':') {
      return true; // HTTP/2 pseudo-headers
    }
    return AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.CONNECTION)
        || AsciiString.contentEqualsIgnoreCase(name, KEEP_ALIVE)
        || AsciiString.contentEqualsIgnoreCase(name, TE)
        || AsciiString.contentEqualsIgnoreCase(name, TRAILER)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.TRANSFER_ENCODING)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.UPGRADE)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaders.HOST)
        || AsciiString.contentEqualsIgnoreCase(name, X_CLIENT_CERT_SUBJECT)
        || AsciiString.contentEqualsIgnoreCase(name, PROXY)
        || AsciiString.regionMatches(name, true, 0, PROXY_DASH, 0, PROXY_DASH.length());
  }

  /** Whether a Connection header value lists {@code name} (comma separated tokens, any case). */
  static boolean listedIn(List<String> connection, String name) {
    for (int i = 0; i < connection.size(); i++) {
      String v = connection.get(i);
      int start = 0;
      while (start < v.length()) {
        int end = v.indexOf(',', start);
        if (end < 0) {
          end = v.length();
        }
        int a = start;
        int b = end;
        while (a < b && v.charAt(a) == ' ') {
          a++;
        }
        while (b > a && v.charAt(b - 1) == ' ') {
          b--;
        }
        if (b - a == name.length() && v.regionMatches(true, a, name, 0, b - a)) {
          return true;
        }
        start = end + 1;
      }
    }
    return false;
  }

  /**
   * Whether the request asks to switch protocols (Connection lists upgrade and an Upgrade header is present).
   * An upgrade to h2c is not one: where the listener speaks HTTP/2, Vert.x has already taken it; elsewhere it is
   * ignored, as RFC 9113 allows, and the request is served over HTTP/1.1 (clients such as the JDK's offer it on
   * every plain request).
   */
  public static boolean isUpgrade(MultiMap headers) {
    String to = headers.get(HttpHeaders.UPGRADE);
    return to != null && !to.regionMatches(true, 0, "h2c", 0, 3)
        && listedIn(headers.getAll(HttpHeaders.CONNECTION), "upgrade");
  }
}
