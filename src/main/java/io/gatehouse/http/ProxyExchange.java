package io.gatehouse.http;

import static io.gatehouse.http.ExchangePhase.ANSWERED_LOCALLY;
import static io.gatehouse.http.ExchangePhase.AWAITING_CONTINUE;
import static io.gatehouse.http.ExchangePhase.AWAITING_HEAD;
import static io.gatehouse.http.ExchangePhase.CHOOSING;
import static io.gatehouse.http.ExchangePhase.CONNECTING;
import static io.gatehouse.http.ExchangePhase.DONE;
import static io.gatehouse.http.ExchangePhase.ENDING;
import static io.gatehouse.http.ExchangePhase.RELAYING_RESPONSE;
import static io.gatehouse.http.ExchangePhase.SENDING_BODY;
import static io.gatehouse.http.ExchangePhase.TUNNEL;

import io.gatehouse.config.HttpEdits;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pick;
import io.gatehouse.pool.Pool;
import io.gatehouse.tls.MemberTlsFailure;
import io.gatehouse.vertx.Channels;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * One client request on its way to a member and back: which event moves the exchange to which
 * {@link ExchangePhase} ({@link ExchangeStateMachine} checks each move). Steps: choose a member
 * ({@link MemberChoice}); send it the request with the headers filtered and the forwarding headers added
 * ({@link MemberRequest}), the decision's rewrite ({@link TargetRewrite}) and header actions ({@link HeaderEdits})
 * applied and the body streamed ({@link RequestBodyRelay}); wait up to {@code member_timeout} for
 * the response head; stream the response back ({@link ResponseRelay}, or raw bytes after a 101: {@link UpgradeTunnel}).
 * A member that refuses the connection is replaced by another once; so is one that resets or answers garbage, when
 * the request is idempotent and had no body. Such a request that meets a pooled connection the member dropped at
 * reuse goes again to the same member on a new connection first, without counting against the member's health
 * (like HAProxy and Envoy). A client silent for {@code client_timeout} while sending its body gets 408, or its
 * connection (HTTP/2: stream) closed once the response has begun; so does a client that reads nothing of the
 * response for {@code client_timeout} while its write queue is full (HTTP/1: and the socket takes no byte,
 * {@link SendProgress}), and the member connection is closed with it.
 * The gateway's own answers are 502, 503, 504, 408 and 413; on a gRPC call they are gRPC statuses instead
 * ({@link GrpcAnswers}), and the call's {@code grpc-timeout} bounds it: when it runs out the gateway answers
 * DEADLINE_EXCEEDED and gives the member up. Member failure/success counts, the access-log line and
 * the request's share of the connection's bytes ({@link WireBytes}) are kept here. Event-loop confined.
 */
public final class ProxyExchange extends ExchangeStateMachine
    implements MemberClients.Waiter, MemberConnection.Exchange {

  /** The gateway's own cookie under HTTP_COOKIE persistence (see {@link MemberChoice#STICKY_COOKIE}). */
  public static final String STICKY_COOKIE = MemberChoice.STICKY_COOKIE;
  /** The longest a member connect may take, whatever member_timeout says: a dead member must not hang clients. */
  static final long MAX_CONNECT_MILLIS = 5_000;

  private final ProxyContext ctx;
  private final ListenerConfig cfg;
  private final HttpServerRequest req;
  /** The request-target for the member: after the decision's rewrite, if any. */
  private String uri;
  /** The rewrite and header actions of the decision. */
  private HttpEdits edits = HttpEdits.NONE;
  /** The target the rewrite made, for the access log; null when it changed nothing. */
  private String rewrittenUri;
  private final HttpServerResponse resp;
  private final Peer peer;
  private final String policy;
  private final long startNanos = System.nanoTime();
  private final boolean hasBody;
  private final boolean upgrade;
  /** The request's X-Request-Id, null when the listener gives none. */
  private final String requestId;
  /** A gRPC call: the gateway's own answers are gRPC statuses. */
  private final boolean grpc;
  /** The call's grpc-timeout, from its start; null without one. */
  private LazyDeadline grpcDeadline;
  private Pool pool;
  private String cookieMemberId;
  /** The GATEHOUSE_POOL cookie to set with the member's answer (split_sticky), or null. */
  private String splitCookie;
  private String sticky = "-";
  private io.netty.handler.codec.http.HttpHeaders memberHeaders;
  /** The Host (or :authority) the client sent, for the member's Host and X-Forwarded-Host; null if none. */
  private String host;
  private RequestBodyRelay body;
  private UpgradeTunnel tunnel;
  private long memberStartNanos;
  private long memberNanos = -1;
  private int attempts;
  private int status;
  /** The request went again on a new connection after the member dropped a pooled one at reuse. */
  private boolean freshRetry;
  /** The body went over max_body_size after the member answered: the member connection cannot be reused. */
  private boolean bodyCut;
  private boolean clientStalled;
  private boolean clientGone;
  /** Bytes read from the client before the exchange began: its head, at least. */
  private final long headIn;
  /** client_timeout while the client's write queue stays full; made when the client first falls behind. */
  private LazyDeadline readStall;
  /** HTTP/1: whether the client took bytes while its write queue stayed full (made with {@link #readStall}). */
  private SendProgress sendProgress;

  /** {@code uri}: the request-target for the member, the normal path and the query as sent. */
  public ProxyExchange(ProxyContext ctx, HttpServerRequest req, String uri, Peer peer, String policy) {
    super(ctx.config().memberTimeout().toNanos());
    this.ctx = ctx;
    this.cfg = ctx.config();
    this.req = req;
    this.uri = uri;
    this.resp = req.response();
    this.peer = peer;
    this.policy = policy;
    this.upgrade = req.version() != HttpVersion.HTTP_2 && HopByHop.isUpgrade(req.headers());
    this.hasBody = MemberRequest.hasBody(req);
    this.headIn = peer.wire().claimIn();
    this.requestId = RequestIds.of(cfg, req, peer);
    this.grpc = GrpcAnswers.isGrpc(req);
  }

  /** Acts on the (paused) request as the forwarding policies decided. */
  public void start(RouteDecision decision) {
    if (!rewrite(decision.edits())) {
      return;
    }
    if (decision instanceof RouteDecision.ToPool to) {
      proxy(to.pool());
    } else if (decision instanceof RouteDecision.ToSplit to) {
      PoolSplit.Choice c = to.split().choose(ctx.pools()::get, ctx.cookies(), req.headers(), peer.ip(),
          "https".equals(ctx.proto()));
      splitCookie = c.setCookie();
      proxy(c.pool());
    } else if (decision instanceof RouteDecision.Redirect r) {
      answerLocally(resp.setStatusCode(r.status()).putHeader(HttpHeaders.LOCATION, r.location())
          .putHeader(HttpHeaders.CONTENT_LENGTH, "0"), null, "redirect");
    } else if (decision instanceof RouteDecision.Fixed f) {
      answerLocally(resp.setStatusCode(f.status()).putHeader(HttpHeaders.CONTENT_TYPE, f.contentType()),
          f.body(), "fixed_response");
    }
  }

  /**
   * Takes the decision's edits and rewrites the target; false (answered 500) when the rewrite made an invalid one:
   * the expression is the operator's, the request was valid.
   */
  private boolean rewrite(HttpEdits decided) {
    edits = decided;
    if (!decided.rewrite().rewritesTarget()) {
      return true;
    }
    String rewritten = TargetRewrite.apply(decided.rewrite(), uri, cfg.pathRules());
    if (rewritten == null) {
      resp.closeHandler(v -> clientClosed());
      fail(500, "rewrite_invalid");
      return false;
    }
    if (!rewritten.equals(uri)) {
      rewrittenUri = rewritten;
      uri = rewritten;
    }
    return true;
  }

  @Override
  void endRefused() {
    abortMember();
    if (body != null) {
      body.stopTimer();
    }
    if (tunnel != null) {
      tunnel.close();
    }
    int code = status;
    if (!resp.headWritten() && !resp.ended()) {
      code = 500;
      tagAnswer();
      ErrorPages.answer(req, 500);
    } else if (!resp.ended()) {
      resp.reset(Http2Error.INTERNAL_ERROR.code()); // a response begun cannot be answered again: cut, so that it is not taken for whole
    }
    finish(code, "internal_error");
  }

  @Override
  String describe() {
    return req.method() + " " + req.path();
  }

  // --- choosing a member ---

  private void proxy(String poolName) {
    resp.closeHandler(v -> clientClosed());
    req.exceptionHandler(this::bodyFailed); // from now: a body may fail before it is relayed
    if (grpc) {
      long timeout = GrpcAnswers.timeoutNanos(req);
      if (timeout >= 0) {
        grpcDeadline = new LazyDeadline(ctx.loop(), Long.MAX_VALUE, this::grpcDeadlinePassed);
        grpcDeadline.arm(timeout);
      }
    }
    if (cfg.maxBodySize() >= 0 && MemberRequest.declaredLength(req) > cfg.maxBodySize()) {
      fail(413, "body_too_large");
      return;
    }
    pool = ctx.pools().get(poolName);
    if (pool == null) {
      fail(503, "no_usable_member");
      return;
    }
    MemberChoice choice = MemberChoice.choose(pool, ctx.cookies(), req.headers(), peer.ip(), peer.hash());
    sticky = choice.sticky();
    if (!choice.found()) {
      fail(503, "no_usable_member");
      return;
    }
    cookieMemberId = choice.cookieMemberId();
    host = MemberRequest.originalHost(req);
    send(choice.member(), false);
  }

  /** Sends the request to {@code m}; {@code fresh}: again to the same member, on a new connection (not an attempt). */
  private void send(Member m, boolean fresh) {
    if (!fresh) {
      attempts++;
    }
    if (!connectTo(m)) {
      return;
    }
    memberStartNanos = System.nanoTime();
    PoolProtocol protocol = pool.config().protocol();
    boolean tls = protocol == PoolProtocol.HTTPS;
    ctx.clients().acquire(m, tls, protocol == PoolProtocol.HTTP2, tls ? pool.memberTls() : null,
        Math.min(cfg.memberTimeout().toMillis(), MAX_CONNECT_MILLIS), fresh, this);
  }

  /** In CHOOSING after a failed attempt: another member, once, when one is usable and the client still waits. */
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

  @Override
  public void connectFailed(Throwable cause) {
    if (phase() == CONNECTING) {
      attemptFailed(cause, true);
    }
  }

  /**
   * The attempt ended without a response head: no connection ({@code connecting}), or the member closed, reset or
   * answered garbage. Back to CHOOSING, which ends in another attempt (once) or the gateway's own answer.
   */
  private void attemptFailed(Throwable cause, boolean connecting) {
    Member m = member;
    if (!move(CHOOSING)) {
      return;
    }
    boolean replayable = connecting || MemberRequest.replayable(req, hasBody);
    if (clientGone) {
      finish(0, "client_closed");
    } else if (cause instanceof MemberClients.QueueFull) {
      fail(503, "member_queue_full");
    } else if (cause instanceof MemberClients.Stopped) {
      fail(503, "listener_stopped");
    } else if (cause instanceof MemberConnection.StaleConnection && !freshRetry) {
      // the member closed the pooled connection as the request came (idle timeout, restart): no sign of ill health
      if (replayable) {
        freshRetry = true;
        send(m, true);
      } else {
        fail(502, "stale_connection"); // the member may have acted on it: not sent twice
      }
    } else {
      m.recordFailure();
      String tls = connecting ? MemberTlsFailure.reason(cause) : null;
      if (tls != null) {
        m.tlsFailed(tls); // a member that fails verification is a failed connection, counted by why
      }
      if (!replayable || !retryAfter(m)) {
        fail(502, tls != null ? "member_tls_failed" : connecting ? "member_connect_failed"
            : cause instanceof MemberConnection.MalformedResponse ? "member_invalid_response" : "member_failed");
      }
    }
  }

  // --- the request to the member ---

  @Override
  public boolean connected(MemberConnection c) {
    if (phase() != CONNECTING) {
      return false;
    }
    if (clientGone) {
      finish(0, "client_closed");
      return false;
    }
    // HTTP/2 members need not send a 100 (many do not): the gateway gives the client its 100 itself, and the
    // member's window, not its 100, decides how much of the body goes
    boolean continueHere = hasBody && !upgrade && c.http2() && MemberRequest.expectsContinue(req);
    ExchangePhase next = upgrade || !hasBody ? AWAITING_HEAD
        : MemberRequest.expectsContinue(req) && !continueHere ? AWAITING_CONTINUE : SENDING_BODY;
    if (!move(next)) {
      return false; // the exchange ended without it: the connection stays the pool's
    }
    toMember = c;
    c.begin(this);
    // per attempt: ${member} in request_headers names this attempt's member
    memberHeaders = MemberRequest.headers(ctx, req, peer, upgrade, host, requestId);
    if (!edits.requestHeaders().isEmpty()) {
      HeaderEdits.apply(memberHeaders, edits.requestHeaders(), peer.ip(), requestId, cfg.name(), member.id());
    }
    if (c.http2()) {
      if (HopByHop.acceptsTrailers(req.headers())) {
        memberHeaders.set(HopByHop.TE, HopByHop.TRAILERS); // the one TE HTTP/2 allows; gRPC servers ask for it
      }
      GrpcAnswers.dropMalformedTimeout(memberHeaders); // whatever the content type: HTTP/1.1 clients send it too
    }
    if (continueHere) {
      memberHeaders.remove(HttpHeaders.EXPECT);
    }
    String memberHost = edits.rewrite().host() != null ? edits.rewrite().host() : host;
    boolean whole = next == AWAITING_HEAD; // a retry is always whole: only a request without a body is sent twice
    boolean chunked = !whole && !memberHeaders.contains(HttpHeaders.CONTENT_LENGTH);
    c.sendHead(MemberRequest.head(req, uri, memberHeaders, memberHost, member.socketAddress(), chunked), whole);
    // member_timeout runs from the request's end, and while a 100 Continue is awaited: the client sends its body
    // only once the member's 100 is passed on, and the member owes a 100 or an answer meanwhile, or each would wait
    // on the other. Another expectation is the member's to refuse (417): the gateway does not wait for a 100 then.
    if (next != SENDING_BODY) {
      armTimer();
    }
    if (!whole) {
      long limit = chunked && cfg.maxBodySize() >= 0 ? cfg.maxBodySize() : Long.MAX_VALUE;
      body = new RequestBodyRelay(this, req, limit, ctx.loop(), cfg.clientTimeout().toNanos());
      body.start();
      if (continueHere) {
        resp.writeContinue();
      }
    }
    return true;
  }

  @Override
  public void memberWritable() {
    if (phase() == TUNNEL) {
      tunnel.memberWritable();
    } else if (body != null) {
      body.memberWritable();
    }
  }

  @Override
  public void memberContinue() {
    if (phase() == AWAITING_CONTINUE && move(SENDING_BODY)) {
      cancelTimer(); // the client's turn: its body is timed by client_timeout, member_timeout from its end
      body.touch();
      resp.writeContinue();
    }
  }

  /** The relay read the whole body. */
  void bodyEnded() {
    if (toMember == null) {
      return; // given up, or failed: the exchange answers (or answered) without it
    }
    toMember.endBody();
    if (phase() == ENDING || phase() == DONE) {
      toMember = null; // the response is over too: back in the pool
    } else if ((phase() == AWAITING_CONTINUE || phase() == SENDING_BODY) && move(AWAITING_HEAD)) {
      armTimer(); // member_timeout counts from the end of the request body
    }
  }

  /**
   * The body failed: the client went away mid-body (a reset, a closed connection), or sent a body that is not
   * HTTP (a broken chunk size or chunk line), after which its connection closes.
   */
  void bodyFailed(Throwable cause) {
    // a client gone mid-body must not look like a complete body to the member; while the response is relayed the
    // close of the client's side ends the exchange (clientClosed), before it the exchange ends here, whichever of
    // this and the close comes first
    if (body != null) {
      body.stopTimer();
    }
    if (phase() != RELAYING_RESPONSE) {
      abortMember();
    }
    if (malformed(cause) && !clientGone
        && (phase().awaitsHead() || phase() == CHOOSING || (phase() == CONNECTING && move(CHOOSING)))) {
      cancelTimer();
      fail(400, "bad_request"); // written before Vert.x closes the connection, which follows this at once
      if (req.connection().isSsl()) {
        // and flushed now: a TLS engine closed with the answer still queued would send only its close_notify
        Channels.of(req.connection()).flush();
      }
    } else if (phase().awaitsHead()) {
      finish(0, "client_closed");
    }
  }

  /** A decoder's refusal of the client's bytes, as opposed to the connection failing. */
  private static boolean malformed(Throwable cause) {
    return cause instanceof IllegalArgumentException || cause instanceof io.netty.handler.codec.DecoderException;
  }

  /** The body went over max_body_size. */
  void bodyTooLarge() {
    if (phase().headPassed() || phase() == DONE) {
      // the member has answered already; its answer stands, and the connection closes after it (the body is cut)
      bodyCut = true;
      if (phase() != RELAYING_RESPONSE) {
        abortMember();
      }
      return;
    }
    if (phase().awaitsHead()) {
      cancelTimer();
      abortMember();
      fail(413, "body_too_large");
    }
  }

  /** The client sent nothing for client_timeout while the gateway was ready to read its body. */
  void clientStalled() {
    if (phase().headPassed() || phase() == DONE) {
      endStalled(false);
    } else if (phase().awaitsHead()) {
      clientStalled = true;
      cancelTimer();
      abortMember();
      fail(408, "client_timeout");
    }
  }

  /** The client's write queue is full: it has client_timeout to take something from it. */
  void clientFellBehind() {
    if (readStall == null) {
      readStall = new LazyDeadline(ctx.loop(), cfg.clientTimeout().toNanos(), this::readStalled);
      if (req.version() != HttpVersion.HTTP_2) {
        // HTTP/2: the stream's own window decides; the connection's progress may be other streams'
        sendProgress = new SendProgress(Channels.of(req.connection()));
      }
    } else if (sendProgress != null) {
      sendProgress.mark();
    }
    readStall.arm(cfg.clientTimeout().toNanos());
  }

  /** The client's write queue drained. */
  void clientCaughtUp() {
    if (readStall != null) {
      readStall.disarm();
    }
  }

  private void readStalled() {
    if (phase() != RELAYING_RESPONSE && phase() != ENDING) {
      return;
    }
    if (sendProgress != null && sendProgress.moved()) {
      readStall.arm(cfg.clientTimeout().toNanos()); // slow but taking bytes: another client_timeout from now
    } else {
      endStalled(true);
    }
  }

  /**
   * The client stalled once the response had begun (or ended, its body still coming): the member connection and
   * the client's stream, which for HTTP/1 is the connection, are closed; the status stays the one sent.
   * {@code notReading}: it stopped taking the response, so its connection is aborted (a graceful close would wait
   * for the flush it never takes); one that stopped sending its body still reads what was sent before the close.
   */
  private void endStalled(boolean notReading) {
    clientStalled = true;
    abortMember();
    finish(status, "client_timeout");
    io.netty.channel.Channel channel = Channels.of(req.connection());
    if (req.version() != HttpVersion.HTTP_2) {
      if (notReading) {
        Channels.abort(channel);
      } else {
        req.connection().close();
      }
      return;
    }
    // CANCEL (RFC 9113 section 8.4): the stream is no longer wanted; NO_ERROR would read as a clean end
    Future<Void> reset = resp.reset(Http2Error.CANCEL.code());
    if (Http2Guard.connectionStalled(channel)) {
      // no stream of this connection can move: the connection goes, once the reset is out if the socket takes it
      if (channel.isWritable()) {
        reset.onComplete(v -> Channels.abort(channel));
      } else {
        Channels.abort(channel);
      }
    }
  }

  @Override
  public void memberTimedOut() {
    if (!phase().awaitsHead()) {
      return;
    }
    abortMember();
    member.recordFailure();
    fail(504, "member_timeout");
  }

  // --- the response ---

  @Override
  public void memberHead(HttpResponse head) {
    if (!phase().awaitsHead()) {
      abortMember(); // a late answer after a 504 or 413
      return;
    }
    cancelTimer();
    memberNanos = System.nanoTime() - memberStartNanos;
    member.recordSuccess();
    status = head.status().code();
    if (requestId != null) {
      head.headers().set(RequestIds.X_REQUEST_ID, requestId); // the gateway's ID, not a member's own, goes back
    }
    if (!edits.responseHeaders().isEmpty()) {
      HeaderEdits.apply(head.headers(), edits.responseHeaders(), peer.ip(), requestId, cfg.name(), member.id());
    }
    if (upgrade && status == 101) {
      if (move(TUNNEL)) {
        tunnel = new UpgradeTunnel(this, ctx.loop(), cfg.keepaliveTimeout().toNanos());
        tunnel.open(req, resp, head);
      }
      return;
    }
    if (move(RELAYING_RESPONSE)) {
      ResponseRelay.passHead(req, resp, head);
      sticky = MemberChoice.remember(pool, ctx.cookies(), "https".equals(ctx.proto()), member, cookieMemberId,
          sticky, head.headers(), resp.headers());
      if (splitCookie != null) {
        resp.headers().add(HttpHeaders.SET_COOKIE, splitCookie);
      }
    }
  }

  @Override
  public void memberContent(ByteBuf content, boolean last) {
    if (phase() == TUNNEL) {
      tunnel.fromMember(ResponseRelay.copy(content));
      return;
    }
    if (phase() != RELAYING_RESPONSE) {
      return; // cannot happen: the connection is given up with the exchange's end
    }
    Buffer chunk = ResponseRelay.copy(content);
    if (!last) {
      if (chunk != null) {
        ResponseRelay.write(this, resp, chunk);
      }
      return;
    }
    if (!move(ENDING)) {
      return;
    }
    if (bodyCut) {
      abortMember();
    } else if (body == null || body.ended()) {
      toMember = null; // back in the pool; else the relay's until the body ends
    }
    (chunk == null ? resp.end() : resp.end(chunk)).onComplete(done ->
        finish(status, done.succeeded() ? "ok" : clientStalled ? "client_timeout" : "client_closed"));
    if (phase() == ENDING) {
      // the end is not on the wire yet (it completes at once when the client keeps up): what is left must drain
      // within client_timeout too, and the end's completion stops the clock. (writeQueueFull() throws once ended.)
      clientFellBehind();
    }
  }

  @Override
  public void memberTrailers(io.netty.handler.codec.http.HttpHeaders trailers) {
    if (phase() == RELAYING_RESPONSE) {
      HopByHop.copyTrailers(trailers, resp.trailers());
    }
  }

  @Override
  public void memberFailed(Throwable cause) {
    toMember = null; // closed already
    String inBody = cause instanceof MemberConnection.MalformedResponse ? "member_invalid_in_body" : "member_reset_in_body";
    if (phase() == TUNNEL) {
      tunnel.close();
      finish(status, "tunnel_closed");
    } else if (phase() == RELAYING_RESPONSE && grpc && !clientGone) {
      // the call ends with a status the client can act on (UNAVAILABLE: retry elsewhere), not a bare reset
      GrpcAnswers.endWith(resp, GrpcAnswers.UNAVAILABLE, "the member closed the stream");
      finish(status, inBody);
    } else if (phase() == RELAYING_RESPONSE) {
      // mid-body: the client must not take a cut body for a whole one (HTTP/2: the member's failure, not a clean end)
      resp.reset(Http2Error.INTERNAL_ERROR.code());
      finish(status, clientStalled ? "client_timeout" : clientGone ? "client_closed" : inBody);
    } else if (phase().awaitsHead()) {
      attemptFailed(cause, false);
    }
    // else answered already (504, 408, 413) or over
  }

  /** The tunnel's client side ended it: closed ({@code tunnel_closed}), or not to be had ({@code upgrade_failed}). */
  void tunnelEnded(String end) {
    abortMember();
    finish(status, end);
  }

  // --- endings ---

  private void clientClosed() {
    clientGone = true;
    if (phase() == DONE) {
      return;
    }
    cancelTimer();
    if (body != null) {
      body.stopTimer();
    }
    if (toMember != null) {
      // before the head no answer is wanted; after it, the rest of the response has nowhere to go
      int code = phase().headPassed() ? status : 0;
      abortMember();
      finish(code, "client_closed");
    }
    // still waiting for a connection: connected() turns it down; answering already: that answer's end finishes
  }

  private void answerLocally(HttpServerResponse r, String body, String end) {
    if (!move(ANSWERED_LOCALLY)) {
      return;
    }
    status = r.getStatusCode();
    tagAnswer();
    req.resume(); // a body nobody reads is discarded
    (body == null ? r.end() : r.end(body)).onComplete(v -> finish(status, end));
  }

  /**
   * Answers with the gateway's own status: the response has not begun. A gRPC call gets the gRPC status for it;
   * the access log and metrics keep {@code code}, the HTTP status the answer stands for.
   */
  private void fail(int code, String reason) {
    if (!move(ANSWERED_LOCALLY)) {
      return;
    }
    status = code;
    if (clientGone) {
      finish(code, "client_closed");
    } else {
      tagAnswer();
      (grpc ? GrpcAnswers.answer(resp, GrpcAnswers.status(code, reason), grpcMessage(code, reason))
          : ErrorPages.answer(req, code)).onComplete(v -> finish(code, reason));
    }
  }

  private static String grpcMessage(int code, String reason) {
    return GrpcAnswers.DEADLINE_END.equals(reason) ? "deadline exceeded: the call's grpc-timeout ran out at the gateway"
        : ErrorPages.text(code) + " (" + reason + ")";
  }

  /**
   * The call's grpc-timeout ran out: the member is given up and the client told DEADLINE_EXCEEDED, as an answer
   * before the member's head, or in the trailers of a response that has begun.
   */
  private void grpcDeadlinePassed() {
    ExchangePhase p = phase();
    if (p == DONE || p == ENDING || p == ANSWERED_LOCALLY || p == TUNNEL || clientGone) {
      return;
    }
    cancelTimer();
    abortMember();
    if (body != null) {
      body.stopTimer();
    }
    if (p == RELAYING_RESPONSE) {
      GrpcAnswers.endWith(resp, GrpcAnswers.DEADLINE_EXCEEDED, grpcMessage(0, GrpcAnswers.DEADLINE_END))
          .onComplete(v -> finish(status, GrpcAnswers.DEADLINE_END));
      return;
    }
    if (p == CONNECTING && !move(CHOOSING)) {
      return; // the connection, when it comes, is turned down: the phase is no longer CONNECTING
    }
    fail(504, GrpcAnswers.DEADLINE_END);
  }

  /** The request ID on an answer of the gateway's own. */
  private void tagAnswer() {
    RequestIds.tag(resp, requestId);
  }

  private void finish(int code, String end) {
    if (phase() == DONE || !move(DONE)) {
      return;
    }
    if (readStall != null) {
      readStall.stop();
    }
    if (grpcDeadline != null) {
      grpcDeadline.stop();
    }
    long in = headIn + peer.wire().claimIn();
    long out = peer.wire().claimOut();
    ctx.bytes().add(in, out);
    ctx.metrics().record(cfg.name(), pool, member, code, startNanos);
    if (ctx.accessLog().enabled()) {
      ctx.accessLog().log(HttpAccessEntry.of(ctx, peer, req, policy, pool, member, code, in, out,
          System.nanoTime() - startNanos, memberNanos, sticky, end, requestId, rewrittenUri));
    }
  }
}
