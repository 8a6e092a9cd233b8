package io.gatehouse.admin;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Answers 403 to a request that could change the gateway (any method but GET, HEAD, OPTIONS) when a browser says
 * it comes from another site: an {@code Origin} that is not this API's own, or {@code Sec-Fetch-Site:
 * cross-site}/{@code same-site}. A page on the operator's machine can make the browser POST to
 * {@code http://127.0.0.1:<admin>/api/v1/reload} with a loopback {@code Host} and, on loopback, no token; the
 * browser's own headers are what tell it apart. curl and scripts send neither header and are not affected; the
 * dashboard's member buttons are same-origin calls and pass. Runs after {@link AllowedHosts}, whose authority is
 * "this API's own".
 */
final class SameOriginWrites implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext rc) {
    HttpMethod method = rc.request().method();
    if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
      rc.next();
      return;
    }
    String site = rc.request().getHeader("Sec-Fetch-Site");
    if (site != null && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"))) {
      AllowedHosts.refuse(rc, 403, "403 Forbidden: a request from another site (Sec-Fetch-Site: "
          + site.toLowerCase(Locale.ROOT) + ") may not change the gateway\n");
      return;
    }
    String origin = rc.request().getHeader("Origin");
    if (origin != null && !sameOrigin(origin.trim(), rc.request().isSSL(), AllowedHosts.of(rc))) {
      AllowedHosts.refuse(rc, 403, "403 Forbidden: a request from another origin may not change the gateway"
          + " (its Origin is not this admin API's)\n");
      return;
    }
    rc.next();
  }

  /** Whether {@code origin} ({@code scheme://host[:port]}; {@code null} for an opaque one) is this API's. */
  static boolean sameOrigin(String origin, boolean tls, Authority own) {
    String scheme = tls ? "https" : "http";
    if (own == null || !origin.regionMatches(true, 0, scheme + "://", 0, scheme.length() + 3)) {
      return false;
    }
    Authority from = Authority.parse(origin.substring(scheme.length() + 3));
    int defaultPort = tls ? 443 : 80;
    return from != null && from.name().equals(own.name())
        && (from.port() < 0 ? defaultPort : from.port()) == (own.port() < 0 ? defaultPort : own.port());
  }
}
