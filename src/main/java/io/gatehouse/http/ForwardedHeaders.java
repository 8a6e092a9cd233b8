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
 * peer is a trusted proxy: the gateway does not write one, and a member must not believe a client's own.
 */
public final class ForwardedHeaders {

  public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  public static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
  public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  public static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
  public static final AsciiString X_FORWARDED_ELB_IP = AsciiString.cached("x-forwarded-elb-ip");
  public static final AsciiString FORWARDED = AsciiString.cached("forwarded");

  private ForwardedHeaders() {}

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
    if (xff == InsertHeaders.XForwardedFor.REPLACE && !trusted) {
      out.set(X_FORWARDED_FOR, clientIp);
    } else if (xff != InsertHeaders.XForwardedFor.OFF) {
      if (!out.contains(X_FORWARDED_FOR)) {
        out.set(X_FORWARDED_FOR, clientIp); // the usual case: no list to build
      } else {
        List<String> existing = out.getAll(X_FORWARDED_FOR);
        out.set(X_FORWARDED_FOR, String.join(", ", existing) + ", " + clientIp);
      }
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
      out.set(X_REAL_IP, clientIp);
    }
    if (insert.xForwardedElbIp()) {
      out.set(X_FORWARDED_ELB_IP, gatewayIp);
    }
  }
}
