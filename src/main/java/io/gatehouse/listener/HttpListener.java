package io.gatehouse.listener;

import io.gatehouse.config.HeadLimits;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;
import io.gatehouse.http.ConnectionGuard;
import io.gatehouse.http.DeadlineQueue;
import io.gatehouse.http.ErrorPages;
import io.gatehouse.http.Http2Guard;
import io.gatehouse.http.HttpAccessEntry;
import io.gatehouse.http.MemberClients;
import io.gatehouse.http.Peer;
import io.gatehouse.http.ProxyContext;
import io.gatehouse.http.ProxyExchange;
import io.gatehouse.http.RequestIds;
import io.gatehouse.http.RouteDecision;
import io.gatehouse.http.ServerRequestView;
import io.gatehouse.http.StrictHead;
import io.gatehouse.http.FirstHeadDeadline;
import io.gatehouse.http.StrictFirstRequest;
import io.gatehouse.http.StrictRequestDecoder;
import io.gatehouse.log.Logs;
import io.gatehouse.http.WireBytes;
import io.gatehouse.vertx.AcceptGate;
import io.gatehouse.vertx.AcceptGates;
import io.gatehouse.vertx.Channels;
import io.gatehouse.vertx.Contexts;
import io.gatehouse.vertx.StreamConnections;
import io.gatehouse.vertx.VertxHandlerFactory;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.AttributeKey;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * An HTTP or HTTPS listener instance: one per event loop, all sharing the port. The connection handler applies
 * the ACL and connection limit and installs the HTTP/1 connection timers ({@link ConnectionGuard}) and the strict
 * request decoder; each request is routed by the listener's forwarding policies and handed to a
 * {@link ProxyExchange}. HTTP/2 connections get their timers from {@link Http2Guard}. HTTPS ends TLS here
 * (with h2 by ALPN when {@code http2_enable}); members always get HTTP/1.1. A QUIC listener has no Vert.x server:
 * {@link QuicFrontDoor} takes HTTP/3 connections, and each request stream, seen through Netty's HTTP/3-to-HTTP
 * object codec, becomes a Vert.x connection whose requests take this same path.
 */
public final class HttpListener extends VerticleBase {

  private static final Logger LOG = Logs.of(HttpListener.class);

  private static final String ALT_SVC = "Alt-Svc";

  private final ListenerState state;
  private final ListenerServices services;
  /** What requests need from their connection, kept on the connection's channel (HTTP/2 streams share it). */
  private static final AttributeKey<Conn> CONN = AttributeKey.valueOf("gatehouse.conn");
  /**
   * Set once an HTTP/1 connection has been answered with a refusal and is closing: requests Vert.x decoded after
   * the refused one (pipelined, or the refused request's own body read as a request) are not acted on.
   */
  private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf("gatehouse.refused");
  private HttpServer server;
  /** A QUIC listener's socket and connections, else null. */
  private QuicFrontDoor quic;
  /** {@code Alt-Svc} for the QUIC listener an HTTPS listener advertises, and the configuration it was made for. */
  private String altSvc;
  private Object altSvcOf;
  private MemberClients clients;
  /** The HTTP/1 connections' head and idle deadlines, one queue per duration (a reload may add one). */
  private final List<DeadlineQueue> deadlines = new java.util.ArrayList<>();
  private ProxyContext context;
  private HttpServerOptions options;
  private boolean strictDecoder;
  private Http2Abuse h2Abuse;
  /** What new HTTP/1 decoders are built from: the server's options, or a copy with a reload's head size. */
  private HttpServerOptions decoderOptions;

  /**
   * A client connection: who it is, the head limits of the configuration version it started under (a reload
   * changes them for new connections) and, for HTTP/1, its timers.
   */
  private record Conn(Peer peer, long clientKey, HeadLimits limits, ConnectionGuard guard) {}

  public HttpListener(ListenerState state, ListenerServices services) {
    this.state = state;
    this.services = services;
  }

  /**
   * The listener's accept gate, and for an admitted connection its byte counter, put on before Vert.x reads a
   * byte: the h2c preface, an HTTP/2 client's first frames and the first request of an h2c-enabled listener are
   * read before the connection handler runs.
   */
  private final AcceptGate gate = this::admit;

  private boolean admit(Channel accepted) {
    if (!state.gate().admit(accepted)) {
      return false;
    }
    WireBytes.onAccepted(accepted.pipeline(), new WireBytes(state::addBytes, state.config().tls() != null));
    if (!strictDecoder) {
      StrictFirstRequest.onAccepted(accepted.pipeline(), () -> decoderOptions(state.config().headLimits()),
          new FirstHeadDeadline(state.config().clientTimeout().toNanos(), this::firstHeadTimedOut));
    }
    // before the first read, which makes the channel's handle: one shared allocator, a small handle per connection
    accepted.config().setRecvByteBufAllocator(CompactRecvAllocator.SHARED);
    return true;
  }

  @Override
  public Future<?> start() {
    ListenerSettings settings = state.settings();
    ListenerConfig cfg = settings.config();
    boolean https = cfg.protocol() == ListenerProtocol.HTTPS;
    options = new HttpServerOptions()
        .setHost(cfg.host())
        .setPort(cfg.protocolPort())
        .setTcpNoDelay(true)
        // vanished clients (a host gone without a FIN) are found, whatever the timers are waiting for
        .setTcpKeepAlive(true)
        .setReuseAddress(true)
        // a replacement on the same port binds beside this socket before it closes: the port never goes dark
        .setReusePort(true)
        .setHandle100ContinueAutomatically(false)
        .setDecompressionSupported(false)
        .setCompressionSupported(false)
        // WebSocket passes through (its extensions are the client's and the member's to agree on); with these on,
        // Vert.x puts an extension handler in every HTTP/1 pipeline that inspects each request and response
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        // every request and response is handled on this instance's event loop (members too), so Vert.x may write
        // straight to the channel instead of through a thread-safe queue: cheaper writes, and 4 KB less per
        // connection (the queue's first chunk), idle or not
        .setStrictThreadMode(true)
        // Vert.x defaults h2c to on: prior-knowledge HTTP/2 only when the listener asks for it
        .setHttp2ClearTextEnabled(!https && cfg.http2Enable());
    HttpServerLimits.applyTo(options, cfg.headLimits());
    decoderOptions = options;
    if (https) {
      settings.tls().applyTo(options);
      options.setUseAlpn(cfg.http2Enable());
      if (cfg.http2Enable()) {
        options.setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
      }
    }
    // With h2c on, Vert.x picks the protocol from the first bytes and calls the connection handler only after a
    // whole first HTTP/1 head (or the HTTP/2 preface): too late to replace the decoder or start our timers there.
    // StrictFirstRequest and FirstHeadDeadline, put on at accept, do both until then.
    strictDecoder = !options.isHttp2ClearTextEnabled();
    h2Abuse = new Http2Abuse(cfg.name());
    if (cfg.acceptsProxyProtocol()) {
      options.setUseProxyProtocol(true)
          .setProxyProtocolTimeout(cfg.clientTimeout().toMillis()).setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    clients = new MemberClients(super.context);
    if (cfg.protocol() == ListenerProtocol.QUIC) {
      quic = new QuicFrontDoor(state, vertx, super.context, this::streamOpened);
      return quic.start();
    }
    AcceptGates.register(vertx, cfg.host(), cfg.protocolPort(), gate);
    server = vertx.createHttpServer(options)
        .connectionHandler(this::connected)
        .requestHandler(this::request)
        .invalidRequestHandler(this::invalid);
    if (https) {
      // connections failing before the connection handler: the TLS handshake, whatever the cause (a client gone
      // mid-handshake is `closed`, as on SSL listeners). Vert.x also hands this handler the errors of established
      // connections that have none of their own: each gets one in the connection handler, so none is counted here
      server.exceptionHandler(e -> state.tlsFailed(TlsFailure.reason(e)));
    }
    return server.listen().onSuccess(s -> {
      if (https) {
        state.addTlsServer(opts -> server.updateSSLOptions(opts, true));
      }
    });
  }

  /**
   * Stops accepting at once; HTTP/1 connections close after their current response and HTTP/2 ones get a
   * GOAWAY, until the drain timeout passes. Member connections are closed last.
   */
  @Override
  public Future<?> stop() {
    long drain = services.config().get().drainTimeout().toMillis();
    if (quic != null) {
      return quic.stop(drain).eventually(() -> clients.close());
    }
    ListenerConfig cfg = state.config();
    AcceptGates.unregister(vertx, cfg.host(), cfg.protocolPort(), gate);
    return server.shutdown(drain, TimeUnit.MILLISECONDS).eventually(() -> clients.close());
  }

  private void connected(HttpConnection conn) {
    if (conn.isSsl()) {
      conn.exceptionHandler(this::tlsConnectionFailed);
    }
    Channel channel = Channels.of(conn);
    if (channel.hasAttr(REFUSED)) {
      return; // an h2c connection whose first head did not come in time: answered 408, closing
    }
    ListenerConfig cfg = state.config();
    ClientAddress from = state.client(channel, cfg, conn::remoteAddress);
    if (from == null) {
      channel.close(); // nothing sent, not even a GOAWAY
      return;
    }
    if (conn.isSsl()) {
      state.tlsHandshake(Channels.flushHandshake(channel));
    }
    HeadLimits limits = cfg.headLimits();
    ChannelPipeline pipeline = channel.pipeline();
    WireBytes wire = WireBytes.of(pipeline, state::addBytes);
    SSLSession tls = conn.isSsl() ? conn.sslSession() : null; // agreed by now: the handshake precedes this handler
    Peer peer = new Peer(from.ip(), from.hash(), from.port(), clientCertSubject(conn, cfg), from.bytes(), wire,
        tls == null ? null : tls.getProtocol(), tls == null ? null : tls.getCipherSuite());
    ConnectionGuard guard = null;
    if (pipeline.get(FirstHeadDeadline.NAME) != null) {
      pipeline.remove(FirstHeadDeadline.NAME); // the whole first head came in time: the guard takes over
    }
    if (pipeline.get("httpDecoder") != null) {
      io.netty.channel.EventLoop loop = channel.eventLoop();
      guard = new ConnectionGuard(DeadlineQueue.of(deadlines, loop, cfg.clientTimeout().toNanos()),
          DeadlineQueue.of(deadlines, loop, cfg.keepaliveTimeout().toNanos()),
          () -> logAnswered(peer, 408, "client_timeout", null));
      if (!(pipeline.get("httpDecoder") instanceof StrictRequestDecoder)) {
        if (!strictDecoder) {
          // h2c: StrictFirstRequest missed the decoder, which has read a head by now: never serve a lenient one
          LOG.warning("listener " + state.name() + ": an h2c connection without the strict decoder, closed");
          channel.close();
          return;
        }
        pipeline.replace("httpDecoder", "httpDecoder", new StrictRequestDecoder(decoderOptions(limits)));
      }
      pipeline.addBefore("httpDecoder", ConnectionGuard.NAME, guard);
      if (!conn.isSsl()) {
        // a FIN after the request is the end of what the client sends, not an abort: the guard answers, then closes
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      }
    } else {
      Http2Guard.install(channel, cfg.clientTimeout().toNanos(), cfg.keepaliveTimeout().toNanos(), conn::close);
      String client = (from.ip().contains(":") ? "[" + from.ip() + "]" : from.ip()) + ":" + from.port();
      conn.exceptionHandler(e -> {
        if (conn.isSsl()) {
          tlsConnectionFailed(e);
        }
        h2Abuse.connectionFailed(client, e);
      });
    }
    channel.attr(CONN).set(new Conn(peer, from.tableKey(), limits, guard));
    VertxHandlerFactory.release(channel);
  }

  /**
   * A request stream of an admitted QUIC connection: its bytes counted (HTTP/3 frames, after QUIC's own TLS),
   * HTTP/3 frames read as the HTTP objects Vert.x's HTTP/1 connection takes, and the stream served as one.
   * HTTP/3 has no connection-level head timer: a stream's head waits within QUIC's idle timeout (client_timeout).
   */
  private void streamOpened(QuicStreamChannel stream, QuicChannel connection, ClientAddress from) {
    ListenerConfig cfg = state.config();
    WireBytes wire = new WireBytes(state::addBytes, false);
    WireBytes.onAccepted(stream.pipeline(), wire);
    stream.pipeline().addFirst(Http3ClientCancel.INSTANCE);
    stream.pipeline().addLast(new Http3FrameToHttpObjectCodec(true), new Http3RequestHeads(), new Http3ResponseAbort());
    javax.net.ssl.SSLSession tls = connection.sslEngine() == null ? null : connection.sslEngine().getSession();
    Peer peer = new Peer(from.ip(), from.hash(), from.port(), null, from.bytes(), wire,
        tls == null ? null : tls.getProtocol(), tls == null ? null : tls.getCipherSuite());
    stream.attr(CONN).set(new Conn(peer, from.tableKey(), cfg.headLimits(), null));
    StreamConnections.serve(super.context, stream, decoderOptions(cfg.headLimits()),
        (InetSocketAddress) connection.remoteSocketAddress(), (InetSocketAddress) connection.localSocketAddress(),
        this::request, this::invalid);
  }

  /** Decoder options for {@code limits}: copied from the server's once per reload that changed the head size. */
  private HttpServerOptions decoderOptions(HeadLimits limits) {
    if (decoderOptions.getMaxHeaderSize() != limits.maxHeaderSize()) {
      decoderOptions = HttpServerLimits.forDecoder(options, limits);
    }
    return decoderOptions;
  }

  /**
   * An error on an established HTTPS connection. The engines refuse a client-initiated renegotiation (TlsEngine)
   * with an error that ends the connection: counted like a failed handshake. Anything else (a reset, a client
   * gone) is routine and ends just that connection.
   */
  private void tlsConnectionFailed(Throwable e) {
    if (TlsFailure.isRenegotiation(e)) {
      state.tlsFailed(TlsFailure.RENEGOTIATION);
    }
  }

  /** The subject of the verified client certificate under mutual TLS, else null. */
  private static String clientCertSubject(HttpConnection conn, ListenerConfig cfg) {
    if (!conn.isSsl() || cfg.tls() == null || cfg.tls().clientCa() == null) {
      return null;
    }
    try {
      List<Certificate> chain = conn.peerCertificates();
      return chain.isEmpty() ? null : ((X509Certificate) chain.get(0)).getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private void request(HttpServerRequest req) {
    Conn conn = conn(req);
    if (conn == null) {
      Channels.of(req.connection()).close(); // refused in the connection handler
      return;
    }
    req.pause();
    if (refused(req)) {
      return; // its connection closes once the refusal is written; RFC 9112 9.6: no further request is processed
    }
    int strict = StrictHead.status(req);
    if (strict != 0) {
      refuse(req, conn, strict);
      return;
    }
    if (HttpServerLimits.tooManyHeaders(req, conn.limits())) {
      refuse(req, conn, 431); // and the connection closed, as HAProxy does past tune.http.maxhdr
      return;
    }
    if (req.method() == io.vertx.core.http.HttpMethod.CONNECT) {
      refuse(req, conn, 405); // a reverse proxy, not a forward one: members never see a tunnel request
      return;
    }
    ListenerSettings settings = state.settings(); // once: one version's policies with the same version's limits
    ServerRequestView view = ServerRequestView.of(req, settings.config().pathRules());
    if (view == null) {
      refuse(req, conn, 400); // a request-target a member might read otherwise than the policies
      return;
    }
    if (!state.allowRequest(settings.config(), conn.clientKey())) {
      tooManyRequests(req, conn);
      return;
    }
    if (conn.guard() != null) {
      conn.guard().requestStarted();
      req.response().endHandler(v -> conn.guard().requestEnded());
    }
    String alt = settings.config().advertiseHttp3() == null ? null : altSvc(settings.config());
    if (alt != null) {
      req.response().putHeader(ALT_SVC, alt);
    }
    RouteDecision decision = settings.router().route(view);
    new ProxyExchange(context(settings.config()), req, view.memberUri(), conn.peer(), decision.policy())
        .start(decision);
  }

  private static boolean refused(HttpServerRequest req) {
    return req.version() != HttpVersion.HTTP_2 && Channels.of(req.connection()).hasAttr(REFUSED);
  }

  private static Conn conn(HttpServerRequest req) {
    return Channels.of(req.connection()).attr(CONN).get();
  }

  /**
   * {@code h3=":<port>"; ma=86400} for the QUIC listener this HTTPS listener advertises, as the running
   * configuration has it (a reload may move that listener without touching this one); made once per version.
   */
  private String altSvc(ListenerConfig cfg) {
    io.gatehouse.config.GatehouseConfig running = services.config().get();
    if (altSvcOf != running) {
      altSvc = running.listener(cfg.advertiseHttp3())
          .map(quic -> "h3=\":" + quic.protocolPort() + "\"; ma=86400").orElse(null);
      altSvcOf = running;
    }
    return altSvc;
  }

  /** The exchange context of the running configuration version (rebuilt after a reload changed it). */
  private ProxyContext context(ListenerConfig cfg) {
    ProxyContext c = context;
    if (c == null || c.config() != cfg) {
      c = new ProxyContext(services.requests(), Contexts.eventLoop(super.context), cfg, services.pools(), services.cookies(), services.accessLog(), clients,
          state::addBytes, cfg.protocol() == ListenerProtocol.HTTP ? "http" : "https",
          String.valueOf(cfg.protocolPort()));
      context = c;
    }
    return c;
  }

  /** A request Vert.x could not decode: 431 for a head over the limit, else 400; then the connection closes. */
  private void invalid(HttpServerRequest req) {
    if (refused(req)) {
      return; // the bytes after a refused request: already answered, and closing
    }
    Conn conn = conn(req);
    if (conn != null && conn.guard() != null && conn.guard().timedOut()) {
      return; // the rest of a head the 408 answered, decoded as the connection closes
    }
    Throwable cause = req.decoderResult().cause();
    // a request line past the limit is 414 (RFC 9110), a header block past it 431
    int status = cause instanceof io.netty.handler.codec.http.TooLongHttpLineException ? 414
        : cause instanceof TooLongFrameException ? 431 : cause instanceof StrictRequestDecoder.UnsupportedVersion ? 505
        : 400;
    refuse(req, conn, status);
  }

  /**
   * {@code client_request_rate} exceeded: 429 with Retry-After. The connection stays usable when the request has
   * no body to skip; with one, it is closed rather than read.
   */
  private void tooManyRequests(HttpServerRequest req, Conn conn) {
    boolean body = req.headers().contains(io.vertx.core.http.HttpHeaders.TRANSFER_ENCODING)
        || req.headers().contains(io.vertx.core.http.HttpHeaders.CONTENT_LENGTH);
    if (body && req.version() != HttpVersion.HTTP_2) {
      req.response().putHeader("Retry-After", "1");
      refuse(req, conn, 429);
      return;
    }
    req.response().putHeader("Retry-After", "1");
    req.resume();
    String id = RequestIds.of(state.config(), req, conn.peer());
    RequestIds.tag(req.response(), id);
    ErrorPages.send(req.response(), 429).onComplete(v -> logAnswered(conn.peer(), 429, "client_request_rate", id));
  }

  /**
   * Answers the gateway's own error and closes an HTTP/1 connection: what follows on it cannot be trusted. On
   * HTTP/2 only the stream is answered.
   */
  private void refuse(HttpServerRequest req, Conn conn, int status) {
    if (conn != null && conn.guard() != null) {
      conn.guard().requestStarted();
    }
    boolean h2 = req.version() == HttpVersion.HTTP_2;
    if (h2) {
      // frames keep streams apart: the stream is answered, the others go on (a Connection header is not HTTP/2's)
      req.resume(); // a body nobody reads is discarded
    } else {
      Channels.of(req.connection()).attr(REFUSED).set(Boolean.TRUE);
      req.response().putHeader("Connection", "close");
    }
    String id = conn == null ? null : RequestIds.of(state.config(), req, conn.peer());
    RequestIds.tag(req.response(), id);
    ErrorPages.send(req.response(), status).onComplete(v -> {
      if (conn != null) {
        logAnswered(conn.peer(), status, "bad_request", id);
      }
      if (!h2) {
        req.connection().close();
      }
    });
  }

  /**
   * The access-log line of an answer of the gateway's own outside an exchange, once written: with the bytes read
   * and written since the last request claimed its share (the head it refused, the answer), which the listener's
   * meters get too; the answer is counted in {@code gatehouse_http_requests_total} (pool and member {@code none}).
   */
  /**
   * The 408 of an h2c connection whose first head did not come in time, logged from the socket's own address:
   * with a PROXY header that is the proxy's, for the connection handler that reads the header never ran.
   */
  private void firstHeadTimedOut(Channel channel) {
    channel.attr(REFUSED).set(Boolean.TRUE); // the partial head, decoded as the connection closes, is no request
    ClientAddress from = ClientAddress.of(channel.remoteAddress());
    Peer peer = new Peer(from.ip(), from.hash(), from.port(), null, from.bytes(),
        WireBytes.of(channel.pipeline(), state::addBytes), null, null);
    logAnswered(peer, 408, "client_timeout", null);
  }

  private void logAnswered(Peer peer, int status, String end, String requestId) {
    long in = peer.wire().claimIn();
    long out = peer.wire().claimOut();
    state.addBytes(in, out);
    ListenerConfig cfg = state.config();
    services.requests().answered(cfg.name(), status);
    if (services.accessLog().enabled()) {
      services.accessLog().log(HttpAccessEntry.answered(cfg.name(), cfg.protocol().name(), peer, status, in, out,
          end, requestId));
    }
  }
}
