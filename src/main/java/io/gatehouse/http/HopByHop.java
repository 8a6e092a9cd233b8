package io.gatehouse.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import java.util.Iterator;
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
  static final AsciiString TE = AsciiString.cached("te");
  static final AsciiString TRAILERS = AsciiString.cached("trailers");
  private static final AsciiString TRAILER = AsciiString.cached("trailer");
  private static final AsciiString PROXY = AsciiString.cached("proxy");
  private static final AsciiString PROXY_DASH = AsciiString.cached("proxy-");

  private HopByHop() {}

  /**
   * Copies a client request's headers into the request to the member, minus hop-by-hop headers, Host, and any
   * client-sent X-Client-Cert-Subject, which only the gateway may set, and underscore look-alikes of the forwarding
   * headers ({@link ForwardedHeaders#disguised}).
   *
   * @param upgrading keep Upgrade and Connection: upgrade (a WebSocket handshake)
   */
  public static void copy(MultiMap from, HttpHeaders to, boolean upgrading) {
    List<String> connection = from.contains(HttpHeaderNames.CONNECTION)
        ? from.getAll(HttpHeaderNames.CONNECTION) : List.of();
    if (from instanceof HttpHeaders netty) {
      // HTTP/1: Vert.x's headers are Netty's; read as they are, without a String per name
      Iterator<Map.Entry<CharSequence, CharSequence>> it = netty.iteratorCharSequence();
      while (it.hasNext()) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        if (fromClient(e.getKey(), connection)) {
          to.add(e.getKey(), e.getValue());
        }
      }
    } else {
      for (Map.Entry<String, String> e : from) {
        if (fromClient(e.getKey(), connection)) {
          to.add(e.getKey(), e.getValue());
        }
      }
    }
    if (upgrading) {
      to.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      to.set(HttpHeaderNames.UPGRADE, from.get(HttpHeaderNames.UPGRADE));
    }
  }

  /** Copies a member's response headers into the response to the client, minus hop-by-hop headers. */
  public static void copy(HttpHeaders from, MultiMap to, boolean upgrading) {
    List<String> connection = from.contains(HttpHeaderNames.CONNECTION)
        ? from.getAll(HttpHeaderNames.CONNECTION) : List.of();
    Iterator<Map.Entry<CharSequence, CharSequence>> it = from.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      if (endToEnd(e.getKey(), connection)) {
        to.add(e.getKey(), e.getValue());
      }
    }
    if (upgrading) {
      to.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      to.set(HttpHeaderNames.UPGRADE, from.get(HttpHeaderNames.UPGRADE));
    }
  }

  /**
   * Copies a member's trailers into the response to the client, minus hop-by-hop fields and minus any field a client
   * could not be sent (a control character, or a space or tab at either end of the value, which an HTTP/2 member
   * can send): the response's head is out already, so such a field is left out rather than failing the response.
   */
  public static void copyTrailers(HttpHeaders from, MultiMap to) {
    List<String> connection = from.contains(HttpHeaderNames.CONNECTION)
        ? from.getAll(HttpHeaderNames.CONNECTION) : List.of();
    Iterator<Map.Entry<CharSequence, CharSequence>> it = from.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      if (endToEnd(e.getKey(), connection) && StrictHead.sendable(e.getKey(), e.getValue())) {
        to.add(e.getKey(), e.getValue());
      }
    }
  }

  /** Whether a client's header goes on to the member: end to end, and no look-alike of a forwarding header. */
  private static boolean fromClient(CharSequence name, List<String> connection) {
    return endToEnd(name, connection) && !ForwardedHeaders.disguised(name);
  }

  /** Whether a header crosses the gateway: not hop-by-hop by name, nor listed in the Connection header. */
  private static boolean endToEnd(CharSequence name, List<String> connection) {
    return !isHopByHop(name) && !listedIn(connection, name);
  }

  static boolean isHopByHop(CharSequence name) {
    if (name.isEmpty() || name.charAt(0) == ':') {
      return true; // HTTP/2 pseudo-headers
    }
    return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)
        || AsciiString.contentEqualsIgnoreCase(name, KEEP_ALIVE)
        || AsciiString.contentEqualsIgnoreCase(name, TE)
        || AsciiString.contentEqualsIgnoreCase(name, TRAILER)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)
        || AsciiString.contentEqualsIgnoreCase(name, X_CLIENT_CERT_SUBJECT)
        || AsciiString.contentEqualsIgnoreCase(name, PROXY)
        || AsciiString.regionMatches(name, true, 0, PROXY_DASH, 0, PROXY_DASH.length());
  }

  /** Whether a Connection header value lists {@code name} (comma separated tokens, any case). */
  static boolean listedIn(List<String> connection, CharSequence name) {
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
        while (a < b && isOws(v.charAt(a))) {
          a++;
        }
        while (b > a && isOws(v.charAt(b - 1))) {
          b--;
        }
        if (b - a == name.length() && AsciiString.regionMatches(v, true, a, name, 0, b - a)) {
          return true;
        }
        start = end + 1;
      }
    }
    return false;
  }

  /** Optional whitespace around list elements (RFC 9110 5.6.1): spaces and tabs. */
  private static boolean isOws(char c) {
    return c == ' ' || c == '\t';
  }

  /** Whether the client's TE lists {@code trailers} (gRPC clients send it; HTTP/2 allows no other TE). */
  static boolean acceptsTrailers(MultiMap headers) {
    return listedIn(headers.getAll(TE), TRAILERS);
  }

  /**
   * Whether the request asks to switch protocols (Connection lists upgrade and an Upgrade header is present).
   * An upgrade to h2c is not one: where the listener speaks HTTP/2, Vert.x has already taken it; elsewhere it is
   * ignored, as RFC 9113 allows, and the request is served over HTTP/1.1 (clients such as the JDK's offer it on
   * every plain request).
   */
  public static boolean isUpgrade(MultiMap headers) {
    String to = headers.get(HttpHeaderNames.UPGRADE);
    return to != null && !to.regionMatches(true, 0, "h2c", 0, 3)
        && listedIn(headers.getAll(HttpHeaderNames.CONNECTION), "upgrade");
  }
}
