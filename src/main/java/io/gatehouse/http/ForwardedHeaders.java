package io.gatehouse.http;

import io.gatehouse.config.InsertHeaders;
import io.netty.util.AsciiString;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * The {@code insert_headers} a request to a member gets. X-Forwarded-For appends the peer address to what
 * the client sent (several header lines are joined into one), or under {@code "replace"} takes the place of the
 * client's value unless the peer is a trusted proxy; the others replace any client-sent value. A header turned
 * off is passed through as the client sent it. A client-sent {@code Forwarded} (RFC 7239) is removed unless the
 * peer is a trusted proxy: the gateway does not write one, and a member must not believe a client's own. Empty
 * X-Forwarded-For elements are dropped. X-Real-IP, when inserted, is the peer, or from a trusted proxy the last
 * address of its X-Forwarded-For (nginx's realip). Look-alikes of these headers with underscores never pass
 * ({@link #disguised}).
 */
public final class ForwardedHeaders {

  public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  public static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
  public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  public static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
  public static final AsciiString X_FORWARDED_ELB_IP = AsciiString.cached("x-forwarded-elb-ip");
  public static final AsciiString FORWARDED = AsciiString.cached("forwarded");

  /** What the gateway sets or vouches for: a client's look-alike of one (underscores for dashes) is dropped. */
  private static final AsciiString[] GUARDED = {X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_PORT,
      X_FORWARDED_HOST, X_REAL_IP, X_FORWARDED_ELB_IP, FORWARDED, HopByHop.X_CLIENT_CERT_SUBJECT};

  private ForwardedHeaders() {}

  /**
   * Whether a client-sent header name is one of the forwarding headers written with underscores
   * ({@code X_Forwarded_For}): CGI, PHP, WSGI and Rack members read both spellings as one variable, so the
   * look-alike would pass as the gateway's own header.
   */
  static boolean disguised(CharSequence name) {
    if (name.length() < 9 || !AsciiString.contains(name, "_")) {
      return false;
    }
    for (AsciiString guarded : GUARDED) {
      if (sameButUnderscores(name, guarded)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameButUnderscores(CharSequence name, AsciiString guarded) {
    if (name.length() != guarded.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      char g = (char) guarded.byteAt(i);
      if (!(c == '_' ? g == '-' : Character.toLowerCase(c) == g)) {
        return false;
      }
    }
    return true;
  }

  /** The header lines as one list, elements trimmed and empty ones ({@code ", ,a"}) dropped. */
  private static String joined(List<String> lines) {
    StringBuilder b = new StringBuilder();
    for (String line : lines) {
      for (String element : line.split(",")) {
        String e = element.trim();
        if (!e.isEmpty()) {
          b.append(b.isEmpty() ? "" : ", ").append(e);
        }
      }
    }
    return b.toString();
  }

  private static String last(String list) {
    return list.substring(list.lastIndexOf(',') + 1).trim();
  }

  /**
   * @param host the Host (or :authority) the client sent, or null
   * @param gatewayIp the address the client connected to
   * @param trusted the peer is one of the listener's {@code trusted_proxies}
   */
  public static void apply(HttpHeaders out, InsertHeaders insert, String clientIp, boolean trusted, String proto,
      String port, String host, String gatewayIp) {
    if (!trusted) {
      out.remove(FORWARDED);
    }
    InsertHeaders.XForwardedFor xff = insert.xForwardedFor();
    // the client's list, empty elements dropped; null when the client sent none or it is not kept
    String sent = xff == InsertHeaders.XForwardedFor.OFF || xff == InsertHeaders.XForwardedFor.REPLACE && !trusted
        || !out.contains(X_FORWARDED_FOR) ? null : joined(out.getAll(X_FORWARDED_FOR));
    if (xff != InsertHeaders.XForwardedFor.OFF) {
      out.set(X_FORWARDED_FOR, sent == null || sent.isEmpty() ? clientIp : sent + ", " + clientIp);
    }
    if (insert.xForwardedProto()) {
      out.set(X_FORWARDED_PROTO, proto);
    }
    if (insert.xForwardedPort()) {
      out.set(X_FORWARDED_PORT, port);
    }
    if (insert.xForwardedHost() && host != null) {
      out.set(X_FORWARDED_HOST, host);
    }
    if (insert.xRealIp()) {
      // as nginx's realip module: from a trusted proxy, the address its X-Forwarded-For ends with; a client's own
      // X-Real-IP is never passed on
      out.set(X_REAL_IP, trusted && sent != null && !sent.isEmpty() ? last(sent) : clientIp);
    }
    if (insert.xForwardedElbIp()) {
      out.set(X_FORWARDED_ELB_IP, gatewayIp);
    }
  }
}
