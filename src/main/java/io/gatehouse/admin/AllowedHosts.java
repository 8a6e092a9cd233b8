package io.gatehouse.admin;

import io.netty.util.NetUtil;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Answers 403 to a request whose {@code Host} names neither the admin address, nor loopback ({@code localhost},
 * any 127.x address, {@code [::1]}), nor one of {@code admin.allowed_hosts}: a page of another site that a browser
 * on the operator's machine has been made to send here (DNS rebinding, a cross-site POST to the reload) names
 * that site. The allowed names are read per request, so that a reload changes them at once.
 */
final class AllowedHosts implements Handler<RoutingContext> {

  private final String adminHost;
  private final byte[] adminAddress;
  private final Supplier<List<String>> allowed;

  AllowedHosts(String adminHost, Supplier<List<String>> allowed) {
    this.adminHost = adminHost.toLowerCase(Locale.ROOT);
    this.adminAddress = NetUtil.createByteArrayFromIpAddressString(adminHost);
    this.allowed = allowed;
  }

  @Override
  public void handle(RoutingContext rc) {
    if (allows(name(rc.request()))) {
      rc.next();
      return;
    }
    rc.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
        .end("403 Forbidden: this Host is not the admin API's (see admin.allowed_hosts)\n");
  }

  boolean allows(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    if (name.equals("localhost") || name.equals(adminHost) || allowed.get().contains(name)) {
      return true;
    }
    byte[] address = NetUtil.createByteArrayFromIpAddressString(name);
    return address != null && (Arrays.equals(address, adminAddress) || isLoopback(address));
  }

  private static boolean isLoopback(byte[] a) {
    if (a.length == 4) {
      return a[0] == 127;
    }
    for (int i = 0; i < 15; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[15] == 1;
  }

  /** The host name of the request's {@code Host} (HTTP/2: {@code :authority}), without port or brackets, lower case. */
  static String name(HttpServerRequest req) {
    String host = req.getHeader(HttpHeaders.HOST);
    if (host != null) {
      return name(host.trim());
    }
    HostAndPort authority = req.authority(); // HTTP/2
    return authority == null ? null : name(authority.host().indexOf(':') >= 0 && !authority.host().startsWith("[")
        ? "[" + authority.host() + "]" : authority.host());
  }

  static String name(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? null : host.substring(1, end).toLowerCase(Locale.ROOT);
    }
    int colon = host.indexOf(':');
    if (colon >= 0 && host.indexOf(':', colon + 1) >= 0) {
      return null; // an IPv6 address must be in brackets
    }
    return (colon < 0 ? host : host.substring(0, colon)).toLowerCase(Locale.ROOT);
  }
}
