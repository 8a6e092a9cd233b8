package io.gatehouse.http;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pool;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;

/**
 * The access-log line of one HTTP request, in the format operators parse: {@code key=value} fields after the time,
 * listener and protocol, {@code -} for what does not apply (no status: the client left before any).
 */
final class AccessLogLine {

  private AccessLogLine() {}

  /**
   * @param code the status sent, 0 for none
   * @param memberNanos from the request's start at the member to its response head, negative when none came
   * @param end why the exchange ended ({@code ok}, {@code member_timeout}, {@code client_closed} ...)
   */
  static String of(ListenerConfig cfg, Peer peer, HttpServerRequest req, String policy, Pool pool, Member member,
      int code, long in, long out, long durationNanos, long memberNanos, String sticky, String end) {
    return Instant.now() + " " + cfg.name() + " " + cfg.protocol() + " client=" + peer.display()
        + " method=" + req.method().name() + " host=" + orDash(MemberRequest.originalHost(req)) + " path=" + req.path()
        + " status=" + (code == 0 ? "-" : code) + " policy=" + orDash(policy)
        + " pool=" + (pool == null ? "-" : pool.name()) + " member=" + (member == null ? "-" : member.id())
        + " in=" + in + " out=" + out + " duration_ms=" + durationNanos / 1_000_000
        + " member_ms=" + (memberNanos < 0 ? "-" : memberNanos / 1_000_000) + " sticky=" + sticky + " end=" + end;
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }
}
