package io.gatehouse.http;

import io.gatehouse.vertx.Channels;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

/**
 * The request head as a member gets it: HTTP/1.1 whatever the client spoke, origin-form URI, hop-by-hop headers
 * dropped (kept for an upgrade), the forwarding headers added, and a Host. Also what the head says about the body.
 */
final class MemberRequest {

  private MemberRequest() {}

  /**
   * The headers for the member, but Host (per attempt: see {@link #head}); {@code requestId} replaces any
   * X-Request-Id the client sent, unless null (the listener gives none: the client's passes as it is).
   */
  static io.netty.handler.codec.http.HttpHeaders headers(ProxyContext ctx, HttpServerRequest req, Peer peer,
      boolean upgrade, String host, String requestId) {
    // names and values were checked by the decoder that read them from the client
    io.netty.handler.codec.http.HttpHeaders h = CompactHeaders.UNCHECKED.newHeaders();
    HopByHop.copy(req.headers(), h, upgrade);
    // the peer is the connection's client, or the client a PROXY header named (see Peer)
    ForwardedHeaders.apply(h, ctx.config().insertHeaders(), peer.ip(), ctx.config().forwardsFor(peer.address()),
        ctx.proto(), ctx.port(), host,
        ctx.config().insertHeaders().xForwardedElbIp() ? req.localAddress().hostAddress() : null);
    if (peer.certSubject() != null) {
      h.set(HopByHop.X_CLIENT_CERT_SUBJECT, peer.certSubject());
    }
    if (requestId != null) {
      h.set(RequestIds.X_REQUEST_ID, requestId);
    }
    if (ctx.config().insertHeaders().traceparent()) {
      TraceContext.ensure(h);
    }
    return h;
  }

  /**
   * The head for one attempt: without a Host from the client, the member's own address (per attempt, as a retry
   * goes to another member). {@code uri}: origin-form, the normal path ({@link ServerRequestView#memberUri()}).
   * {@code chunked}: the body goes chunked (the client's had no Content-Length).
   */
  static DefaultHttpRequest head(HttpServerRequest req, String uri, io.netty.handler.codec.http.HttpHeaders headers,
      String host, SocketAddress member, boolean chunked) {
    DefaultHttpRequest head = new DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
        req.method().toNetty(), uri, headers);
    headers.set(HttpHeaders.HOST, host != null ? host : Peer.hostPort(member.host(), member.port()));
    if (chunked) {
      HttpUtil.setTransferEncodingChunked(head, true);
    }
    return head;
  }

  /** The Host (or :authority) the client sent, for the member's Host and X-Forwarded-Host; null if none. */
  static String originalHost(HttpServerRequest req) {
    String host = req.getHeader(HttpHeaders.HOST);
    if (host != null) {
      return host;
    }
    HostAndPort a = req.authority();
    return a == null ? null : a.port() < 0 ? a.host() : a.host() + ":" + a.port();
  }

  /** Whether the request has a body to pass on (a Content-Length of 0 is none). */
  static boolean hasBody(HttpServerRequest req) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return !"0".equals(length);
    } else if (req.version() != HttpVersion.HTTP_2) {
      return req.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    } else {
      return !req.isEnded() && !Http2Guard.clientSentAll(Channels.of(req.connection()), req.streamId());
    }
  }

  /** The Content-Length, -1 when there is none. */
  static long declaredLength(HttpServerRequest req) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length == null ? -1 : Long.parseLong(length.trim()); // Netty has checked it is a number
  }

  /**
   * Whether the request may be sent again after a member failed it: idempotent and without a body (a body has
   * been read and passed on already).
   */
  static boolean replayable(HttpServerRequest req, boolean hasBody) {
    HttpMethod m = req.method();
    return !hasBody && (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
        || m == HttpMethod.TRACE || m == HttpMethod.PUT || m == HttpMethod.DELETE);
  }

  /** Whether the client asked to wait for a 100 Continue before sending its body (another expectation is not). */
  static boolean expectsContinue(HttpServerRequest req) {
    String expect = req.getHeader(HttpHeaders.EXPECT);
    return expect != null && expect.trim().equalsIgnoreCase("100-continue");
  }

  /**
   * Whether a declared body is still unread: the request is paused, so isEnded() is false even without a body;
   * only then is the client's connection unusable for the next request once the gateway answered.
   */
  static boolean unreadBody(HttpServerRequest req) {
    return !req.isEnded() && req.version() != HttpVersion.HTTP_2
        && (req.headers().contains(HttpHeaders.TRANSFER_ENCODING) || contentLength(req) > 0);
  }

  private static long contentLength(HttpServerRequest req) {
    String v = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return v == null ? 0 : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 1; // a malformed length was refused by the decoder; count it as a body
    }
  }
}
