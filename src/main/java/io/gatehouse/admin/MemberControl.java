package io.gatehouse.admin;

import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberOverride;
import io.gatehouse.pool.MemberOverride.Action;
import io.gatehouse.runtime.Runtime;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.List;

/**
 * The runtime control of members: {@code POST /api/v1/pools/{pool}/members/{member}/drain}, {@code .../enable},
 * {@code .../weight} (body {@code {"weight": N}}) and {@code DELETE .../override}. Each answers 200 with the
 * member as the status document shows it, 404 for an unknown pool or member, 400 for a bad weight body. The
 * member is named by its identity, {@code address:port} or {@code [v6]:port} (Vert.x decodes a percent-encoded
 * colon or bracket in the path).
 */
final class MemberControl {

  static final String MEMBER = "/api/v1/pools/:pool/members/:member";
  private static final int MAX_BODY = 1024;

  private final Runtime runtime;

  private MemberControl(Runtime runtime) {
    this.runtime = runtime;
  }

  /** Adds the routes to {@code router}, behind the handlers already on it (hosts, origins, token). */
  static void routes(Router router, Runtime runtime) {
    MemberControl c = new MemberControl(runtime);
    router.post(MEMBER + "/drain").handler(rc -> c.set(rc, Action.DRAIN, null));
    router.post(MEMBER + "/enable").handler(rc -> c.set(rc, Action.ENABLE, null));
    router.post(MEMBER + "/weight").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY)).handler(c::weight);
    router.delete(MEMBER + "/override").handler(rc -> c.set(rc, null, null));
  }

  private void weight(RoutingContext rc) {
    Object w;
    try {
      Buffer body = rc.body().buffer();
      JsonObject o = body == null || body.length() == 0 ? null : new JsonObject(body);
      w = o == null ? null : o.getValue("weight");
    } catch (DecodeException | ClassCastException bad) {
      error(rc, 400, "the body must be a JSON object {\"weight\": N}");
      return;
    }
    if (!(w instanceof Integer || w instanceof Long) || ((Number) w).longValue() < 0
        || ((Number) w).longValue() > 100) {
      error(rc, 400, w == null ? "weight is required: {\"weight\": N} with N 0-100" : "weight must be an integer 0-100");
      return;
    }
    set(rc, Action.WEIGHT, ((Number) w).intValue());
  }

  private void set(RoutingContext rc, Action action, Integer weight) {
    String pool = rc.pathParam("pool");
    String member = rc.pathParam("member");
    int colon = member == null ? -1 : member.lastIndexOf(':');
    String address = colon <= 0 ? null : unbracket(member.substring(0, colon));
    int port = colon <= 0 ? -1 : port(member.substring(colon + 1));
    if (address == null || port < 0) {
      error(rc, 404, "no member " + member + " in pool " + pool + " (a member is address:port, [v6]:port for IPv6)");
      return;
    }
    String caller = rc.request().remoteAddress() == null ? "-" : rc.request().remoteAddress().hostAddress();
    MemberOverride o = action == null ? null
        : new MemberOverride(action, weight, caller, runtime.view().nodeName(), Instant.now());
    runtime.override(pool, address, port, o, caller).onComplete(ar -> {
      if (ar.failed()) {
        error(rc, 500, String.valueOf(ar.cause().getMessage()));
      } else if (ar.result() == null) {
        error(rc, 404, "no member " + member + " in pool " + pool);
      } else {
        Member m = ar.result();
        rc.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(StatusDocument.member(m).put("pool", pool).encode());
      }
    });
  }

  /** {@code [::1]} as {@code ::1}; an unbracketed IPv6 address is taken too (its last colon precedes the port). */
  private static String unbracket(String a) {
    if (a.startsWith("[")) {
      return a.endsWith("]") && a.length() > 2 ? a.substring(1, a.length() - 1) : null;
    }
    return a.isEmpty() ? null : a;
  }

  private static int port(String p) {
    if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    int n = Integer.parseInt(p);
    return n >= 1 && n <= 65535 ? n : -1;
  }

  private static void error(RoutingContext rc, int status, String message) {
    rc.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("errors", new JsonArray(List.of(message))).encode());
  }
}
