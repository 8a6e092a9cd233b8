package io.gatehouse.http;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pick;
import io.gatehouse.pool.PickReason;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolSnapshot;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * One client request on its way to a member and back. Event-loop confined. Steps: choose a member (sticky cookie,
 * learned application cookie, source address or the balancer); open a request to it with the headers filtered and
 * the forwarding headers added; stream the body; wait up to {@code member_timeout} for the response head; stream
 * the response back. A member that refuses the connection is replaced by another once; so is one that resets or
 * answers garbage, when the request is idempotent and had no body. A client silent for {@code client_timeout}
 * while sending its body gets 408, or its connection (HTTP/2: stream) closed once the response has begun. The
 * gateway's own answers are 502, 503, 504, 408 and 413. Member counters (acquire/release, failure/success) and the access-log line are kept here.
 */
public final class ProxyExchange {

  /** The gateway's own cookie under HTTP_COOKIE persistence: an opaque, signed value naming the member. */
  public static final String STICKY_COOKIE = "GATEHOUSE_STICKY";
  /** The longest a member connect may take, whatever member_timeout says: a dead member must not hang clients. */
  static final long MAX_CONNECT_MILLIS = 5_000;
  private static final String APP_KEY_PREFIX = "app:";

  private final ProxyContext ctx;
  private final ListenerConfig cfg;
  private final HttpServerRequest req;
  private final HttpServerResponse resp;
  private final Peer peer;
  private final String policy;
  private final long startNanos = System.nanoTime();
  private final boolean hasBody;
  private final boolean upgrade;
  private Pool pool;
  private Member member;
  private boolean holdingMember;
  private String cookieMemberId;
  private String sticky = "-";
  private MultiMap memberHeaders;
  private HttpClientRequest toMember;
  private long memberStartNanos;
  private long memberNanos = -1;
  private long timerId = -1;
  private long stallTimerId = -1;
  private ClientBody body;
  private boolean awaitingContinue;
  private boolean clientStalled;
  private int attempts;
  private boolean headReceived;
  private boolean answered;
  private boolean finished;
  private boolean clientGone;
  private int status;

  public ProxyExchange(ProxyContext ctx, HttpServerRequest req, Peer peer, String policy) {
    this.ctx = ctx;
    this.cfg = ctx.config();
    this.req = req;
    this.resp = req.response();
    this.peer = peer;
    this.policy = policy;
    this.upgrade = req.version() != HttpVersion.HTTP_2 && HopByHop.isUpgrade(req.headers());
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      hasBody = !"0".equals(length);
    } else if (req.version() != HttpVersion.HTTP_2) {
      hasBody = req.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    } else {
      hasBody = !req.isEnded();
    }
  }

  /** Acts on the (paused) request as the forwarding policies decided. */
  public void start(RouteDecision decision) {
    if (decision instanceof RouteDecision.ToPool to) {
      proxy(to.pool());
    } else if (decision instanceof RouteDecision.Redirect r) {
      answerLocally(resp.setStatusCode(r.status()).putHeader(HttpHeaders.LOCATION, r.location())
          .putHeader(HttpHeaders.CONTENT_LENGTH, "0"), null, "redirect");
    } else if (decision instanceof RouteDecision.Fixed f) {
      answerLocally(resp.setStatusCode(f.status()).putHeader(HttpHeaders.CONTENT_TYPE, f.contentType()),
          f.body(), "fixed_response");
    }
  }

  private void answerLocally(HttpServerResponse r, String body, String end) {
    answered = true;
    status = r.getStatusCode();
    req.resume(); // a body nobody reads is discarded
    (body == null ? r.end() : r.end(body)).onComplete(v -> finish(status, end));
  }

  private void proxy(String poolName) {
    resp.closeHandler(v -> clientClosed());
    if (cfg.maxBodySize() >= 0 && declaredLength() > cfg.maxBodySize()) {
      fail(413, "body_too_large");
      return;
    }
    pool = ctx.pools().get(poolName);
    Member m = pool == null ? null : choose();
    if (m == null) {
      fail(503, "no_usable_member");
      return;
    }
    memberHeaders = memberHeaders();
    send(m);
  }

  private long declaredLength() {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length == null ? -1 : Long.parseLong(length.trim()); // Netty has checked it is a number
  }

  // --- choosing a member ---

  private Member choose() {
    PoolSnapshot s = pool.snapshot();
    if (s.usable().isEmpty()) {
      return null;
    }
    SessionPersistence p = s.config().sessionPersistence();
    if (p == null || p.type() == SessionPersistence.Type.SOURCE_IP) {
      Pick pick = pool.pick(peer.ip(), peer.hash());
      if (p != null) {
        sticky = pick.reason() == PickReason.STICKY ? "hit" : "new";
      }
      return pick.member();
    }
    List<String> cookies = req.headers().getAll(HttpHeaders.COOKIE);
    if (p.type() == SessionPersistence.Type.HTTP_COOKIE) {
      String value = Cookies.find(cookies, STICKY_COOKIE);
      cookieMemberId = value == null ? null : ctx.cookies().verify(pool.name(), value, System.currentTimeMillis());
      Member m = cookieMemberId == null ? null : s.usableMember(cookieMemberId);
      if (m != null) {
        sticky = "hit";
        return m;
      }
      sticky = value == null ? "new" : "replaced";
      return pool.fresh(s, peer.hash()).member();
    }
    String value = Cookies.find(cookies, p.cookieName());
    Member m = value == null ? null : pool.stickyMember(s, APP_KEY_PREFIX + value, p);
    if (m != null) {
      sticky = "hit";
      return m;
    }
    sticky = value == null ? "none" : "miss";
    return pool.fresh(s, peer.hash()).member();
  }

  private boolean retryAfter(Member failed) {
    if (attempts > 1 || clientGone) {
      return false;
    }
    Pick other = pool.pickOther(failed, peer.ip(), peer.hash());
    if (!other.found()) {
      return false;
    }
    send(other.member());
    return true;
  }

  // --- the request to the member ---

  private MultiMap memberHeaders() {
    MultiMap h = HttpHeaders.headers();
    HopByHop.copy(req.headers(), h, upgrade);
    ForwardedHeaders.apply(h, cfg.insertHeaders(), peer.ip(), ctx.proto(), ctx.port(), originalHost(),
        req.localAddress().hostAddress());
    if (peer.certSubject() != null) {
      h.set(HopByHop.X_CLIENT_CERT_SUBJECT, peer.certSubject());
    }
    return h;
  }

  private String originalHost() {
    String host = req.getHeader(HttpHeaders.HOST);
    if (host != null) {
      return host;
    }
    HostAndPort a = req.authority();
    return a == null ? null : a.port() < 0 ? a.host() : a.host() + ":" + a.port();
  }

  private String uri() {
    String uri = req.uri();
    if (uri.startsWith("/") || "*".equals(uri)) {
      return uri;
    }
    String q = req.query(); // absolute-form: members get origin-form
    return q == null ? req.path() : req.path() + "?" + q;
  }

  private void send(Member m) {
    attempts++;
    member = m;
    holdingMember = true;
    m.acquire();
    memberStartNanos = System.nanoTime();
    SocketAddress address = m.socketAddress();
    RequestOptions o = new RequestOptions()
        .setMethod(req.method())
        .setURI(uri())
        .setServer(address)
        .setHost(address.host())
        .setPort(address.port())
        .setConnectTimeout(Math.min(cfg.memberTimeout().toMillis(), MAX_CONNECT_MILLIS))
        .setHeaders(memberHeaders);
    boolean tls = pool.config().protocol() == PoolProtocol.HTTPS;
    ctx.clients().get(tls).request(o).onComplete(ar -> {
      if (ar.succeeded()) {
        sendTo(ar.result());
      } else {
        connectFailed(ar.cause());
      }
    });
  }

  private void connectFailed(Throwable cause) {
    Member m = member;
    releaseMember();
    if (clientGone) {
      finish(0, "client_closed");
    } else if (cause instanceof ConnectionPoolTooBusyException) {
      fail(503, "member_queue_full");
    } else {
      m.recordFailure();
      if (!retryAfter(m)) {
        fail(502, "member_connect_failed");
      }
    }
  }

  private void sendTo(HttpClientRequest cr) {
    if (clientGone) {
      cr.reset();
      releaseMember();
      finish(0, "client_closed");
      return;
    }
    toMember = cr;
    // failures arrive through response() and the body pipe; without a handler Vert.x also logs each of them as an
    // error, including the resets the gateway makes itself (408, 413, 504, a client gone mid-body)
    cr.exceptionHandler(e -> { });
    HostAndPort authority = req.authority();
    if (authority != null) {
      cr.authority(authority);
    }
    if (upgrade) {
      cr.connect().onComplete(this::onResponse);
      armTimer();
      return;
    }
    cr.response().onComplete(this::onResponse);
    if (!hasBody) {
      cr.end();
      armTimer();
      return;
    }
    if (!memberHeaders.contains(HttpHeaders.CONTENT_LENGTH)) {
      cr.setChunked(true);
    }
    long limit = cfg.maxBodySize() >= 0 && !memberHeaders.contains(HttpHeaders.CONTENT_LENGTH)
        ? cfg.maxBodySize() : Long.MAX_VALUE;
    body = new ClientBody(req, limit, this::bodyTooLarge);
    if (req.getHeader(HttpHeaders.EXPECT) != null) {
      // the head goes now: the client sends its body only after the member's 100 Continue is passed on
      awaitingContinue = true;
      cr.continueHandler(v -> {
        awaitingContinue = false;
        body.touch();
        resp.writeContinue();
      });
      cr.sendHead();
    }
    armStallTimer(cfg.clientTimeout().toNanos());
    // endOnFailure(false): a client that goes away mid-body must not look like a complete body to the member
    body.pipe().endOnFailure(false).to(cr).onComplete(ar -> {
      cancelStallTimer();
      if (ar.succeeded()) {
        armTimer(); // member_timeout counts from the end of the request body
      } else if (!headReceived) {
        cr.reset();
      }
    });
  }

  private void armStallTimer(long nanos) {
    stallTimerId = ctx.vertx().setTimer(Math.max(1, nanos / 1_000_000), id -> checkStall());
  }

  private void cancelStallTimer() {
    if (stallTimerId >= 0) {
      ctx.vertx().cancelTimer(stallTimerId);
      stallTimerId = -1;
    }
  }

  /** client_timeout while receiving the body: counts only while the gateway is ready to read. */
  private void checkStall() {
    stallTimerId = -1;
    long limit = cfg.clientTimeout().toNanos();
    if (awaitingContinue || body.paused()) {
      armStallTimer(limit);
      return;
    }
    long idle = System.nanoTime() - body.lastChunkNanos();
    if (idle < limit) {
      armStallTimer(limit - idle);
      return;
    }
    clientStalled = true;
    if (headReceived || finished) {
      // a response has begun (or is over): all that can go is the stream, which for HTTP/1 is the connection
      if (req.version() == HttpVersion.HTTP_2) {
        resp.reset();
      } else {
        req.connection().close();
      }
      return;
    }
    cancelTimer();
    releaseMember();
    fail(408, "client_timeout");
    toMember.reset();
  }

  private void bodyTooLarge() {
    if (headReceived) {
      return; // the member has answered already; its answer stands
    }
    cancelTimer();
    releaseMember();
    fail(413, "body_too_large");
    toMember.reset();
  }

  private boolean idempotent() {
    HttpMethod m = req.method();
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE
        || m == HttpMethod.PUT || m == HttpMethod.DELETE;
  }

  private void armTimer() {
    if (!headReceived && !answered && timerId < 0) {
      timerId = ctx.vertx().setTimer(cfg.memberTimeout().toMillis(), id -> memberTimedOut());
    }
  }

  private void cancelTimer() {
    if (timerId >= 0) {
      ctx.vertx().cancelTimer(timerId);
      timerId = -1;
    }
  }

  private void memberTimedOut() {
    timerId = -1;
    if (headReceived || answered) {
      return;
    }
    Member m = member;
    releaseMember();
    m.recordFailure();
    fail(504, "member_timeout"); // first: the reset below completes the response future at once
    toMember.reset();
  }

  // --- the response ---

  private void onResponse(AsyncResult<HttpClientResponse> ar) {
    if (answered || finished) {
      if (ar.succeeded()) {
        ar.result().request().reset(); // a late answer after a 504 or 413
      }
      return;
    }
    cancelTimer();
    if (ar.failed()) {
      Member m = member;
      releaseMember();
      if (clientGone) {
        finish(0, "client_closed");
        return;
      }
      m.recordFailure();
      if (hasBody || !idempotent() || !retryAfter(m)) {
        fail(502, "member_failed");
      }
      return;
    }
    HttpClientResponse r = ar.result();
    headReceived = true;
    memberNanos = System.nanoTime() - memberStartNanos;
    member.recordSuccess();
    if (upgrade && r.statusCode() == 101) {
      tunnel(r);
    } else {
      relay(r);
    }
  }

  private void relay(HttpClientResponse r) {
    answered = true;
    status = r.statusCode();
    resp.setStatusCode(status).setStatusMessage(r.statusMessage());
    HopByHop.copy(r.headers(), resp.headers(), false);
    stickyResponse(r.headers());
    if (!r.headers().contains(HttpHeaders.CONTENT_LENGTH) && bodyAllowed() && req.version() == HttpVersion.HTTP_1_1) {
      resp.setChunked(true);
    }
    r.pipe().endOnFailure(false).to(resp).onComplete(done -> {
      releaseMember();
      if (done.succeeded()) {
        finish(status, "ok");
      } else {
        resp.reset(); // the client must not take a cut body for a whole one
        r.request().reset(); // nor may the member connection be reused mid-response
        finish(status, clientStalled ? "client_timeout" : clientGone ? "client_closed" : "member_reset_in_body");
      }
    });
  }

  private boolean bodyAllowed() {
    return status >= 200 && status != 204 && status != 304 && req.method() != HttpMethod.HEAD;
  }

  private void stickyResponse(MultiMap memberResponse) {
    SessionPersistence p = pool.config().sessionPersistence();
    if (p == null) {
      return;
    }
    if (p.type() == SessionPersistence.Type.HTTP_COOKIE && !member.id().equals(cookieMemberId)) {
      long ttl = p.timeout().toMillis();
      String value = ctx.cookies().issue(pool.name(), member.id(), System.currentTimeMillis() + ttl);
      resp.headers().add(HttpHeaders.SET_COOKIE, STICKY_COOKIE + "=" + value + "; Path=/; Max-Age=" + ttl / 1000
          + "; HttpOnly" + ("https".equals(ctx.proto()) ? "; Secure" : ""));
      if ("hit".equals(sticky)) {
        sticky = "replaced"; // the cookie's member failed and another took the request
      }
    } else if (p.type() == SessionPersistence.Type.APP_COOKIE) {
      List<String> setCookies = memberResponse.getAll(HttpHeaders.SET_COOKIE);
      for (int i = 0; i < setCookies.size(); i++) {
        String value = Cookies.setCookieValue(setCookies.get(i), p.cookieName());
        if (value != null && !value.isEmpty()) {
          pool.sticky().record(APP_KEY_PREFIX + value, member.id(), p.timeout());
          sticky = "learned";
        }
      }
    }
  }

  /** A WebSocket (or other) upgrade the member accepted: from here on, raw bytes both ways. */
  private void tunnel(HttpClientResponse r) {
    answered = true;
    status = 101;
    HopByHop.copy(r.headers(), resp.headers(), true);
    NetSocket toMemberSocket = r.netSocket();
    req.resume(); // the connection was paused with the request; the tunnel reads it from here on
    req.toNetSocket().onComplete(ar -> {
      if (ar.failed()) {
        toMemberSocket.close();
        releaseMember();
        finish(status, "upgrade_failed");
        return;
      }
      NetSocket toClient = ar.result();
      toClient.pipeTo(toMemberSocket);
      toMemberSocket.pipeTo(toClient);
      toClient.closeHandler(v -> toMemberSocket.close());
      toMemberSocket.closeHandler(v -> {
        toClient.close();
        releaseMember();
        finish(status, "tunnel_closed");
      });
    });
  }

  // --- endings ---

  private void clientClosed() {
    clientGone = true;
    if (finished) {
      return;
    }
    cancelTimer();
    if (toMember != null) {
      // before the head no answer is wanted; after it, the relay fails at once and releases the member, rather
      // than when the member next writes (which, while it waits for the rest of a body, is never)
      toMember.reset();
    }
  }

  /** Answers with the gateway's own status unless the response has begun. */
  private void fail(int code, String reason) {
    if (answered) {
      return;
    }
    answered = true;
    status = code;
    if (clientGone) {
      finish(code, "client_closed");
      return;
    }
    // the request is paused, so isEnded() is false even without a body: only a declared body left unread
    // makes the connection unusable for the next request
    boolean unreadBody = !req.isEnded() && req.version() != HttpVersion.HTTP_2
        && (req.headers().contains(HttpHeaders.TRANSFER_ENCODING) || contentLength(req) > 0);
    if (unreadBody) {
      resp.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE); // so that the client does not reuse it
    }
    ErrorPages.send(resp, code).onComplete(v -> {
      if (unreadBody) {
        req.connection().close(); // rather than read a body nobody wants
      }
      finish(code, reason);
    });
  }

  private static long contentLength(HttpServerRequest req) {
    String v = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return v == null ? 0 : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return 1; // a malformed length was refused by the decoder; count it as a body
    }
  }

  private void releaseMember() {
    if (holdingMember) {
      holdingMember = false;
      member.release();
    }
  }

  private void finish(int code, String end) {
    if (finished) {
      return;
    }
    finished = true;
    long in = req.bytesRead();
    long out = resp.bytesWritten();
    ctx.bytes().add(in, out);
    io.gatehouse.metrics.GatehouseMeters.recordRequest(ctx.vertx(), cfg.name(), pool, member, code, startNanos);
    if (!ctx.accessLog().enabled()) {
      return;
    }
    long now = System.nanoTime();
    ctx.accessLog().log(Instant.now() + " " + cfg.name() + " " + cfg.protocol() + " client=" + peer.display()
        + " method=" + req.method().name() + " host=" + orDash(originalHost()) + " path=" + req.path()
        + " status=" + (code == 0 ? "-" : code) + " policy=" + orDash(policy)
        + " pool=" + (pool == null ? "-" : pool.name()) + " member=" + (member == null ? "-" : member.id())
        + " in=" + in + " out=" + out + " duration_ms=" + (now - startNanos) / 1_000_000
        + " member_ms=" + (memberNanos < 0 ? "-" : memberNanos / 1_000_000) + " sticky=" + sticky + " end=" + end);
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }
}
