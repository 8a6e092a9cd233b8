package io.gatehouse.http;

import io.gatehouse.config.ListenerProtocol;
import io.gatehouse.log.AccessEntry;
import io.gatehouse.log.AccessFields;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pool;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.time.Instant;

/**
 * The access log line of one HTTP request, as the event loop hands it to the writer: references to what the
 * request already holds, formatted off the loop. The text line keeps the first round's keys in their order and
 * appends the later ones, so that existing parsers keep working.
 *
 * @param status the status sent, 0 for none (the client left before any)
 * @param memberMs from the request's start at the member to its response head, -1 when none came
 * @param end why the exchange ended ({@code ok}, {@code member_timeout}, {@code client_closed} ...)
 * @param rewrittenUri the request-target the member got when a {@code rewrite} changed it, else null ({@code path}
 *     and {@code query} stay what the client sent)
 */
public record HttpAccessEntry(Instant time, String listener, String protocol, Peer peer, String method,
    String host, String path, String query, String version, int status, String policy, String pool, String member,
    long in, long out, long durationMs, long memberMs, String sticky, String end, String userAgent,
    String requestId, String rewrittenUri) implements AccessEntry {

  /** The line of a request an exchange carried. */
  static HttpAccessEntry of(ProxyContext ctx, Peer peer, HttpServerRequest req, String policy, Pool pool,
      Member member, int status, long in, long out, long durationNanos, long memberNanos, String sticky, String end,
      String requestId, String rewrittenUri) {
    return new HttpAccessEntry(Instant.now(), ctx.config().name(), ctx.config().protocol().name(), peer,
        req.method().name(), MemberRequest.originalHost(req), req.path(), req.query(),
        ctx.config().protocol() == ListenerProtocol.QUIC ? "HTTP/3" : version(req.version()), status,
        policy, pool == null ? null : pool.name(), member == null ? null : member.id(), in, out,
        durationNanos / 1_000_000, memberNanos < 0 ? -1 : memberNanos / 1_000_000, sticky, end,
        req.getHeader(HttpHeaders.USER_AGENT), requestId, rewrittenUri);
  }

  /**
   * The line of a request the listener answered itself before any exchange (400, 408, 429, 431 ...); its ID,
   * null when it has none (a 408 for a head that never came).
   */
  public static HttpAccessEntry answered(String listener, String protocol, Peer peer, int status, long in,
      long out, String end, String requestId) {
    return new HttpAccessEntry(Instant.now(), listener, protocol, peer, null, null, null, null, null, status, null,
        null, null, in, out, 0, -1, "-", end, null, requestId, null);
  }

  /** The protocol as ALPN names it ({@code h2}), HTTP/1 as its request line does. */
  static String version(HttpVersion v) {
    return switch (v) {
      case HTTP_2 -> "h2";
      case HTTP_1_0 -> "HTTP/1.0";
      default -> "HTTP/1.1";
    };
  }

  @Override
  public void writeTo(AccessFields line) {
    line.head(time, listener, protocol).client(peer.display())
        .text("method", method).text("host", host).text("path", path).numberOrNone("status", status == 0 ? -1 : status)
        .text("policy", policy).text("pool", pool).text("member", member).number("in", in).number("out", out)
        .number("duration_ms", durationMs).numberOrNone("member_ms", memberMs).text("sticky", none(sticky))
        .text("end", end)
        .optional("query", query).text("http_version", version).text("tls_version", peer.tlsVersion())
        .text("tls_cipher", peer.tlsCipher()).text("user_agent", userAgent).text("request_id", requestId)
        .optional("rewritten_uri", rewrittenUri);
  }

  @Override
  public int size() {
    return BASE_SIZE + length(method) + length(host) + length(path) + length(query) + length(userAgent)
        + length(requestId);
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }

  private static String none(String s) {
    return "-".equals(s) ? null : s;
  }
}
