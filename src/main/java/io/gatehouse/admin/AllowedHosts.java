package io.gatehouse.admin;

import io.netty.util.NetUtil;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
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
    HttpServerRequest req = rc.request();
    if (req.headers().getAll(HttpHeaders.HOST).size() > 1) {
      // which one would a proxy in front have checked? Neither is believed (RFC 9112 3.2)
      refuse(rc, 400, "400 Bad Request: more than one Host header\n");
      return;
    }
    Authority authority = Authority.of(req);
    if (authority == Authority.INVALID) {
      refuse(rc, 400, "400 Bad Request: invalid Host\n");
      return;
    }
    if (authority != null && allows(authority.name())) {
      rc.put(Authority.class.getName(), authority);
      rc.next();
      return;
    }
    refuse(rc, 403, "403 Forbidden: this Host is not the admin API's (see admin.allowed_hosts)\n");
  }

  /** The authority a request that passed this handler named. */
  static Authority of(RoutingContext rc) {
    return rc.get(Authority.class.getName());
  }

  static void refuse(RoutingContext rc, int status, String body) {
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(body);
  }

  boolean allows(String name) {
    if (name.equals("localhost") || name.equals(adminHost) || allowed.get().contains(name)) {
      return true;
    }
    byte[] address = NetUtil.createByteArrayFromIpAddressString(name);
    return address != null && (Arrays.equals(address, adminAddress) || isLoopback(address)
        // an address allowed in another spelling (2001:DB8::0001 for [2001:db8::1])
        || allowed.get().stream().anyMatch(a -> Arrays.equals(address, NetUtil.createByteArrayFromIpAddressString(a))));
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
}
