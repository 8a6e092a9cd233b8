package io.gatehouse.http;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pick;
import io.gatehouse.pool.PickReason;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client request on its way to a member and back. Event-loop confined. Steps: choose a member (sticky cookie,
 * learned application cookie, source address or the balancer); open a request to it with the headers filtered and
 * the forwarding headers added; stream the body; wait up to {@code member_timeout} for the response head; stream
 * the response back. A member that refuses the connection is replaced by another once; so is one that resets or
 * answers garbage, when the request is idempotent and had no body. Such a request that meets a pooled connection
 * the member dropped at reuse goes again to the same member on a new connection first, without counting against
 * the member's health (like HAProxy and Envoy). A client silent for {@code client_timeout}
 * while sending its body gets 408, or its connection (HTTP/2: stream) closed once the response has begun. The
 * gateway's own answers are 502, 503, 504, 408 and 413. Member counters (acquire/release, failure/success) and the access-log line are kept here.
 */
public final class ProxyExchange implements MemberClients.Waiter, MemberConnection.Exchange {

  /** The gateway's own cookie under HTTP_COOKIE persistence: an opaque, signed value naming the member. */
  public static final String STICKY_COOKIE = "GATEHOUSE_STICKY";
  /** The longest a member connect may take, whatever member_timeout says: a dead member must not hang clients. */
  static final long MAX_CONNECT_MILLIS = 5_000;
  private static final String APP_KEY_PREFIX = "app:";
  private static final HttpHeadersFactory UNCHECKED_HEADERS = DefaultHttpHeadersFactory.headersFactory()
      .withValidation(false);

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
  private io.netty.handler.codec.http.HttpHeaders memberHeaders;
  /** The Host (or :authority) the client sent, for the member's Host and X-Forwarded-Host; null if none. */
  private String host;
  /** The member connection while this exchange owns it: until both the response and the request have ended. */
  private MemberConnection toMember;
  private boolean requestSent;
  private boolean responseEnded;
  private boolean bodyCut;
  private NetSocket tunnelClient;
  private List<Buffer> tunnelPending;
  private long memberStartNanos;
  private long memberNanos = -1;
  /** client_timeout while the body arrives: a task on the event loop (member_timeout is the member connection's). */
  private ScheduledFuture<?> stallTimer;
  private ClientBody body;
  private boolean awaitingContinue;
  private boolean clientStalled;
  private int attempts;
  /** The request went again on a new connection after the member dropped a pooled one at reuse. */
  private boolean freshRetry;
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
    send(m, false);
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
    send(other.member(), false);
    return true;
  }

  // --- the request to the member ---

  private io.netty.handler.codec.http.HttpHeaders memberHeaders() {
    // names and values were checked by the decoder that read them from the client
    io.netty.handler.codec.http.HttpHeaders h = UNCHECKED_HEADERS.newHeaders();
    HopByHop.copy(req.headers(), h, upgrade);
    host = originalHost();
    ForwardedHeaders.apply(h, cfg.insertHeaders(), peer.ip(), ctx.proto(), ctx.port(), host,
        cfg.insertHeaders().xForwardedElbIp() ? req.localAddress().hostAddress() : null);
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

  /** Sends the request to {@code m}; {@code fresh}: again to the same member, on a new connection (not an attempt). */
  private void send(Member m, boolean fresh) {
    if (!fresh) {
      attempts++;
    }
    member = m;
    holdingMember = true;
    m.acquire();
    memberStartNanos = System.nanoTime();
    boolean tls = pool.config().protocol() == PoolProtocol.HTTPS;
    ctx.clients().acquire(m.socketAddress(), tls, Math.min(cfg.memberTimeout().toMillis(), MAX_CONNECT_MILLIS), fresh,
        this);
  }

  @Override
  public void connectFailed(Throwable cause) {
    Member m = member;
    releaseMember();
    if (clientGone) {
      finish(0, "client_closed");
    } else if (cause instanceof MemberClients.QueueFull) {
      fail(503, "member_queue_full");
    } else if (cause instanceof MemberClients.Stopped) {
      fail(503, "listener_stopped");
    } else {
      m.recordFailure();
      if (!retryAfter(m)) {
        fail(502, "member_connect_failed");
      }
    }
  }

  @Override
  public boolean connected(MemberConnection c) {
    if (clientGone || finished) {
      releaseMember();
      finish(0, "client_closed");
      return false;
    }
    toMember = c;
    responseEnded = false;
    c.begin(this);
    DefaultHttpRequest head = new DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
        req.method().toNetty(), uri(), memberHeaders);
    // without a Host from the client, the member's own address: per attempt, as a retry goes to another member
    SocketAddress a = member.socketAddress();
    memberHeaders.set(HttpHeaders.HOST, host != null ? host : a.host() + ":" + a.port());
    if (upgrade || !hasBody) {
      requestSent = true;
      c.sendHead(head, true);
      armTimer();
      return true;
    }
    boolean chunked = !memberHeaders.contains(HttpHeaders.CONTENT_LENGTH);
    if (chunked) {
      HttpUtil.setTransferEncodingChunked(head, true);
    }
    long limit = chunked && cfg.maxBodySize() >= 0 ? cfg.maxBodySize() : Long.MAX_VALUE;
    // a retry never gets here: only a request without a body is sent twice
    body = new ClientBody(req, limit, this::bodyTooLarge);
    // the client sends a body after Expect: 100-continue only once the member's 100 Continue is passed on; the
    // member owes a 100 or an answer meanwhile, within member_timeout, or client and member would wait on each
    // other. Another expectation is the member's to refuse (417): the gateway does not wait for a 100 then.
    String expect = req.getHeader(HttpHeaders.EXPECT);
    awaitingContinue = expect != null && expect.trim().equalsIgnoreCase("100-continue");
    c.sendHead(head, false);
    armStallTimer(cfg.clientTimeout().toNanos());
    if (awaitingContinue) {
      armTimer();
    }
    body.handler(chunk -> {
      if (toMember == null) {
        return; // the member connection failed or was given up: the exchange is answering without it
      }
      toMember.sendBody(((BufferInternal) chunk).getByteBuf());
      if (!toMember.writable()) {
        body.pause(); // memberWritable() resumes it
      }
    });
    body.exceptionHandler(e -> {
      // a client gone mid-body must not look like a complete body to the member
      cancelStallTimer();
      if (!headReceived) {
        abortMember();
      }
    });
    body.endHandler(v -> {
      cancelStallTimer();
      requestSent = true;
      if (toMember == null) {
        return;
      }
      toMember.endBody();
      if (responseEnded) {
        toMember = null; // back in the pool
      }
      armTimer(); // member_timeout counts from the end of the request body
    });
    body.resume();
    return true;
  }

  @Override
  public void memberWritable() {
    if (tunnelClient != null) {
      tunnelClient.resume();
    } else if (body != null && body.paused()) {
      body.resume();
    }
  }

  @Override
  public void memberContinue() {
    if (awaitingContinue) {
      awaitingContinue = false;
      cancelTimer(); // the client's turn: its body is timed by client_timeout, member_timeout from its end
      body.touch();
      resp.writeContinue();
    }
  }

  /** Closes the member connection this exchange holds, mid-request or mid-response: it cannot be reused. */
  private void abortMember() {
    if (toMember != null) {
      toMember.abort();
      toMember = null;
    }
  }

  private void armStallTimer(long nanos) {
    stallTimer = ctx.loop().schedule(this::checkStall, Math.max(1, nanos), TimeUnit.NANOSECONDS);
  }

  private void cancelStallTimer() {
    if (stallTimer != null) {
      stallTimer.cancel(false);
      stallTimer = null;
    }
  }

  /** client_timeout while receiving the body: counts only while the gateway is ready to read. */
  private void checkStall() {
    stallTimer = null;
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
    abortMember();
    fail(408, "client_timeout");
  }

  private void bodyTooLarge() {
    if (headReceived) {
      // the member has answered already; its answer stands, and the connection closes after it (the body is cut)
      bodyCut = true;
      if (responseEnded) {
        abortMember();
      }
      return;
    }
    cancelTimer();
    releaseMember();
    abortMember();
    fail(413, "body_too_large");
  }

  private boolean idempotent() {
    HttpMethod m = req.method();
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE
        || m == HttpMethod.PUT || m == HttpMethod.DELETE;
  }

  /** member_timeout starts: the request has gone out whole. */
  private void armTimer() {
    if (!headReceived && !answered && toMember != null) {
      toMember.awaitHead(cfg.memberTimeout().toNanos());
    }
  }

  private void cancelTimer() {
    if (toMember != null) {
      toMember.stopAwaitingHead();
    }
  }

  @Override
  public void memberTimedOut() {
    if (headReceived || answered) {
      return;
    }
    Member m = member;
    releaseMember();
    abortMember();
    m.recordFailure();
    fail(504, "member_timeout");
  }

  // --- the response ---

  @Override
  public void memberHead(HttpResponse head) {
    if (answered || finished) {
      abortMember(); // a late answer after a 504 or 413
      return;
    }
    cancelTimer();
    headReceived = true;
    memberNanos = System.nanoTime() - memberStartNanos;
    member.recordSuccess();
    status = head.status().code();
    answered = true;
    if (upgrade && status == 101) {
      tunnel(head);
      return;
    }
    resp.setStatusCode(status);
    if (!head.status().reasonPhrase().equals(HttpResponseStatus.valueOf(status).reasonPhrase())) {
      resp.setStatusMessage(head.status().reasonPhrase()); // only then: it costs a new status object each time
    }
    HopByHop.copy(head.headers(), resp.headers(), false);
    stickyResponse(head.headers());
    if (!head.headers().contains(HttpHeaders.CONTENT_LENGTH) && bodyAllowed() && req.version() == HttpVersion.HTTP_1_1) {
      resp.setChunked(true);
    }
  }

  @Override
  public void memberContent(ByteBuf content, boolean last) {
    Buffer chunk = content.isReadable() ? copy(content) : null;
    if (status == 101 && upgrade) {
      toTunnelClient(chunk);
      return;
    }
    if (!last) {
      if (chunk != null) {
        resp.write(chunk);
        if (resp.writeQueueFull() && toMember != null) {
          toMember.readResponse(false);
          resp.drainHandler(v -> {
            if (toMember != null && !responseEnded) {
              toMember.readResponse(true);
            }
          });
        }
      }
      return;
    }
    responseEnded = true;
    if (bodyCut) {
      abortMember();
    } else if (body == null || requestSent) {
      toMember = null; // back in the pool
    }
    releaseMember();
    (chunk == null ? resp.end() : resp.end(chunk)).onComplete(done -> {
      if (done.succeeded()) {
        finish(status, "ok");
      } else {
        finish(status, clientStalled ? "client_timeout" : "client_closed");
      }
    });
  }

  /** A copy on the heap: the member's buffer goes back to its pool as soon as this returns. */
  private static Buffer copy(ByteBuf content) {
    int n = content.readableBytes();
    return BufferInternal.buffer(VertxByteBufAllocator.DEFAULT.heapBuffer(n, n).writeBytes(content, content.readerIndex(), n));
  }

  @Override
  public void memberFailed(Throwable cause) {
    toMember = null; // closed already
    if (tunnelClient != null || (upgrade && status == 101)) {
      if (tunnelClient != null) {
        tunnelClient.close();
      }
      releaseMember();
      finish(status, "tunnel_closed");
      return;
    }
    if (headReceived) {
      // mid-body: the client must not take a cut body for a whole one
      releaseMember();
      resp.reset();
      finish(status, clientStalled ? "client_timeout" : clientGone ? "client_closed" : "member_reset_in_body");
      return;
    }
    if (answered || finished) {
      return;
    }
    cancelTimer();
    Member m = member;
    releaseMember();
    if (clientGone) {
      finish(0, "client_closed");
      return;
    }
    boolean replayable = !hasBody && idempotent();
    if (cause instanceof MemberConnection.StaleConnection && !freshRetry) {
      // the member closed the pooled connection as the request came (idle timeout, restart): no sign of ill health
      if (replayable) {
        freshRetry = true;
        send(m, true);
      } else {
        fail(502, "stale_connection"); // the member may have acted on it: not sent twice
      }
      return;
    }
    m.recordFailure();
    if (!replayable || !retryAfter(m)) {
      fail(502, "member_failed");
    }
  }

  private boolean bodyAllowed() {
    return status >= 200 && status != 204 && status != 304 && req.method() != HttpMethod.HEAD;
  }

  private void stickyResponse(io.netty.handler.codec.http.HttpHeaders memberResponse) {
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
  private void tunnel(HttpResponse head) {
    HopByHop.copy(head.headers(), resp.headers(), true);
    tunnelPending = new ArrayList<>(); // member bytes that come before the client side is ready
    req.resume(); // the connection was paused with the request; the tunnel reads it from here on
    req.toNetSocket().onComplete(ar -> {
      if (toMember == null) {
        if (ar.succeeded()) {
          ar.result().close(); // the member closed meanwhile
        }
        return;
      }
      if (ar.failed()) {
        abortMember();
        releaseMember();
        finish(status, "upgrade_failed");
        return;
      }
      NetSocket toClient = ar.result();
      tunnelClient = toClient;
      for (Buffer b : tunnelPending) {
        toClient.write(b);
      }
      tunnelPending = null;
      toClient.drainHandler(v -> {
        if (toMember != null) {
          toMember.readResponse(true);
        }
      });
      toClient.handler(b -> {
        if (toMember == null) {
          return;
        }
        toMember.sendBody(((BufferInternal) b).getByteBuf());
        if (!toMember.writable()) {
          toClient.pause(); // memberWritable() resumes it
        }
      });
      toClient.closeHandler(v -> {
        abortMember();
        releaseMember();
        finish(status, "tunnel_closed");
      });
    });
  }

  private void toTunnelClient(Buffer chunk) {
    if (chunk == null) {
      return;
    }
    if (tunnelClient == null) {
      tunnelPending.add(chunk);
      return;
    }
    tunnelClient.write(chunk);
    if (tunnelClient.writeQueueFull() && toMember != null) {
      toMember.readResponse(false); // the drain handler resumes it
    }
  }

  // --- endings ---

  private void clientClosed() {
    clientGone = true;
    if (finished) {
      return;
    }
    cancelTimer();
    cancelStallTimer();
    if (toMember != null) {
      // before the head no answer is wanted; after it, the rest of the response has nowhere to go
      abortMember();
      releaseMember();
      finish(headReceived ? status : 0, "client_closed");
    }
    // still waiting for a connection: connected() turns it down
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
    ctx.metrics().record(cfg.name(), pool, member, code, startNanos);
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
