package io.gatehouse.http;

import io.gatehouse.config.InsertHeaders;
import io.netty.util.AsciiString;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * The {@code insert_headers} a request to a member gets. X-Forwarded-For appends the client address to what
 * the client sent (several header lines are joined into one); the others replace any client-sent value. A
 * header turned off is passed through as the client sent it.
 */
public final class ForwardedHeaders {

  public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  public static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
  public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  public static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
  public static final AsciiString X_FORWARDED_ELB_IP = AsciiString.cached("x-forwarded-elb-ip");

  private ForwardedHeaders() {}

  /**
   * @param host the Host (or :authority) the client sent, or null
   * @param gatewayIp the address the client connected to
   */
  public static void apply(HttpHeaders out, InsertHeaders insert, String clientIp, String proto, String port,
      String host, String gatewayIp) {
    if (insert.xForwardedFor()) {
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
