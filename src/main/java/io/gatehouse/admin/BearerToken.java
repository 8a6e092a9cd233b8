package io.gatehouse.admin;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Guards {@code /api/*} when {@code admin.token} is set: {@code Authorization: Bearer <token>}, compared in
 * constant time so that answer times do not reveal how much of a guess was right. The token is never logged.
 */
final class BearerToken implements Handler<RoutingContext> {

  private static final String PREFIX = "Bearer ";

  private final byte[] token;

  BearerToken(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(RoutingContext rc) {
    String header = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
    byte[] given = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
        ? header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8)
        : new byte[0];
    if (MessageDigest.isEqual(given, token)) {
      rc.next();
      return;
    }
    rc.response().setStatusCode(401)
        .putHeader("WWW-Authenticate", "Bearer realm=\"gatehouse\"")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("error", "a valid Authorization: Bearer token is required").encode());
  }
}
