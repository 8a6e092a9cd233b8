package io.gatehouse.http;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;

/**
 * The Location of a REDIRECT_TO_LISTENER answer: the target listener's scheme and port (omitted when it is the
 * scheme's default), with the request's host, path and query kept. Scheme and port are fixed at compile.
 */
final class ListenerRedirect {

  private final String scheme;
  private final String portSuffix;
  private final String fallbackHost;

  ListenerRedirect(ListenerConfig target) {
    boolean https = target.protocol() == ListenerProtocol.HTTPS || target.protocol() == ListenerProtocol.QUIC;
    int defaultPort = https ? 443 : 80;
    this.scheme = https ? "https://" : "http://";
    this.portSuffix = target.protocolPort() == defaultPort ? "" : ":" + target.protocolPort();
    this.fallbackHost = target.host();
  }

  /** Only a host-less request (HTTP/1.0) falls back to the target listener's own address. */
  String location(RequestView request) {
    String host = request.host();
    if (host == null || host.isEmpty()) {
      host = fallbackHost;
    }
    String path = request.path();
    String query = request.query();
    StringBuilder sb = new StringBuilder(scheme.length() + host.length() + 8 + path.length()
        + (query == null ? 0 : query.length() + 1));
    sb.append(scheme);
    boolean ipv6 = host.indexOf(':') >= 0 && host.charAt(0) != '[';
    if (ipv6) {
      sb.append('[').append(host).append(']');
    } else {
      sb.append(host);
    }
    sb.append(portSuffix).append(path.isEmpty() ? "/" : path);
    if (query != null) {
      sb.append('?').append(query);
    }
    return sb.toString();
  }
}
