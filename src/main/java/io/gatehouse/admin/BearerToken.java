package io.gatehouse.admin;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * Guards {@code /api/*} while {@code admin.token} (or {@code token_file}) is set, as the running version says
 * per request, so that a token changed by a reload is the only one from then on: {@code Authorization: Bearer <token>}, compared in
 * constant time so that answer times do not reveal how much of a guess was right. The token is never logged.
 */
final class BearerToken implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";

  private final Supplier<String> token;

  BearerToken(Supplier<String> token) {
    this.token = token;
  }

  @Override
  public void handle(RoutingContext rc) {
    String expected = token.get();
    if (expected == null) {
      rc.next(); // an open API (loopback, or insecure: true)
      return;
    }
    String header = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    byte[] given = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
        ? header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8)
        : new byte[0];
    if (MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8))) {
      rc.next();
      return;
    }
    rc.response().setStatusCode(401)
        .putHeader("WWW-Authenticate", "Bearer realm=\"gatehouse\"")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", "a valid Authorization: Bearer token is required").encode());
  }
}
