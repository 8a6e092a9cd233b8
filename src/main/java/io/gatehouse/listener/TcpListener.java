package io.gatehouse.listener;

import io.gatehouse.vertx.AcceptGates;
import io.gatehouse.vertx.Channels;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pick;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.net.InetSocketAddress;
import java.time.Instant;
import javax.net.ssl.SSLSession;
import java.util.concurrent.TimeUnit;

/**
 * A TCP or SSL listener instance: one per event loop, all sharing the port. Each accepted client is checked
 * (ACL, limit), given a member by its pool, and joined to it by a {@link TcpTunnel}; a member that refuses is
 * replaced by another once before the client is closed. Under SSL the TLS session ends here and the member
 * gets plain TCP.
 */
public final class TcpListener extends VerticleBase {

  /** The longest a member connect may take, whatever member_timeout says: a dead member must not hang clients. */
  static final int MAX_CONNECT_MILLIS = 5_000;

  private final ListenerState state;
  private final PoolRegistry pools;
  private final AccessLog accessLog;
  private final ListenerServices services;
  private final Runnable renegotiationRefused;
  private NetServer server;
  private NetClient client;

  public TcpListener(ListenerState state, ListenerServices services) {
    this.state = state;
    this.services = services;
    this.pools = services.pools();
    this.accessLog = services.accessLog();
    this.renegotiationRefused = () -> state.tlsFailed(TlsFailure.RENEGOTIATION);
  }

  @Override
  public Future<?> start() {
    ListenerSettings settings = state.settings();
    ListenerConfig cfg = settings.config();
    NetServerOptions options = new NetServerOptions()
        .setHost(cfg.host())
        .setPort(cfg.protocolPort())
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true) // vanished peers are found, on the client side and the member side alike
        .setReuseAddress(true)
        // a replacement on the same port binds beside this socket before it closes: the port never goes dark
        .setReusePort(true);
    boolean tls = settings.tls() != null;
    if (tls) {
      settings.tls().applyTo(options); // the handshake is bounded by client_timeout
    }
    if (cfg.acceptsProxyProtocol()) {
      options.setUseProxyProtocol(true)
          .setProxyProtocolTimeout(cfg.clientTimeout().toMillis()).setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    client = vertx.createNetClient(memberClientOptions());
    AcceptGates.register(vertx, cfg.host(), cfg.protocolPort(), state.gate());
    server = vertx.createNetServer(options).connectHandler(this::accept);
    if (tls) {
      // called for connections that fail before the connect handler: the TLS handshake
      server.exceptionHandler(e -> state.tlsFailed(TlsFailure.reason(e)));
    }
    return server.listen().onSuccess(s -> {
      if (tls) {
        state.addTlsServer(opts -> server.updateSSLOptions(opts, true));
      }
    });
  }

  /**
   * Options of the member connections. Quick-ACK must be on: Vert.x's epoll transport always sets TCP_QUICKACK
   * to this option's value before connecting, and on Linux TCP_QUICKACK=0 puts the fresh socket in delayed-ACK
   * ("pingpong") mode, in which the kernel holds back the last ACK of the handshake for up to 200 ms hoping to
   * piggyback it on data. The member's accept() returns only when that ACK arrives, so a member that speaks
   * first (SMTP, MySQL, SSH) would greet 200 ms late. TCP_QUICKACK=1 leaves the socket as the kernel makes it;
   * the JDK NIO transport ignores the option.
   */
  private static NetClientOptions memberClientOptions() {
    return new NetClientOptions().setTcpNoDelay(true).setTcpQuickAck(true).setTcpKeepAlive(true);
  }

  /**
   * Stops accepting at once; open tunnels go on until they end or the drain timeout passes, when Vert.x closes
   * them. Member connections are closed last.
   */
  @Override
  public Future<?> stop() {
    long drain = services.config().get().drainTimeout().toMillis();
    ListenerConfig cfg = state.config();
    AcceptGates.unregister(vertx, cfg.host(), cfg.protocolPort(), state.gate());
    return server.shutdown(drain, TimeUnit.MILLISECONDS).eventually(() -> client.close());
  }

  private void accept(NetSocket so) {
    long startNanos = System.nanoTime();
    ListenerSettings settings = state.settings(); // once: a connection lives by one version's settings
    ListenerConfig cfg = settings.config();
    ClientAddress from = state.client(Channels.of(so), cfg, so::remoteAddress);
    if (from == null) {
      so.close();
      return;
    }
    if (so.isSsl()) {
      state.tlsHandshake(Channels.flushHandshake(Channels.of(so)));
    }
    double keepalive = seconds(cfg.keepaliveTimeout());
    TcpTunnel tunnel = TcpTunnel.hold(so, Math.min(seconds(cfg.clientTimeout()), keepalive), renegotiationRefused);
    Connection c = new Connection(so, from, cfg, tunnel, startNanos);
    so.closeHandler(v -> c.clientGone = true);
    Pool pool = pools.get(settings.poolFor(pools::get, from.ip()));
    Pick pick = pool == null ? Pick.NONE : pool.pick(from.ip(), from.hash());
    if (!pick.found()) {
      c.finish(null, "no_usable_member");
      return;
    }
    connect(c, pool, pick.member(), true);
  }

  private void connect(Connection c, Pool pool, Member m, boolean mayRetry) {
    m.acquire();
    int timeout = (int) Math.min(c.cfg.memberTimeout().toMillis(), MAX_CONNECT_MILLIS);
    client.connect(new ConnectOptions().setRemoteAddress(m.socketAddress()).setTimeout(timeout))
        .onComplete(ar -> {
          if (ar.failed()) {
            m.release();
            if (!LocalFailure.isLocal(ar.cause())) {
              m.recordFailure();
            }
            Pick other = mayRetry && !c.clientGone ? pool.pickOther(m, c.from.ip(), c.from.hash()) : Pick.NONE;
            if (other.found()) {
              connect(c, pool, other.member(), false);
            } else {
              c.finish(m, "member_connect_failed");
            }
            return;
          }
          m.recordSuccess();
          NetSocket ms = ar.result();
          if (c.clientGone) {
            ms.close();
            m.release();
            c.finish(m, "client_closed_early");
            return;
          }
          join(c, m, ms);
        });
  }

  private void join(Connection c, Member m, NetSocket ms) {
    Channel ch = Channels.of(c.client);
    ByteBuf header = c.cfg.proxyProtocol()
        ? ProxyHeader.v2((InetSocketAddress) ch.remoteAddress(), (InetSocketAddress) ch.localAddress())
        : null;
    double memberIdle = Math.min(seconds(c.cfg.memberTimeout()), seconds(c.cfg.keepaliveTimeout()));
    c.tunnel.join(ms, memberIdle, header, done -> {
      m.unlink(done);
      m.release();
      state.addBytes(done.bytesIn(), done.bytesOut());
      c.log(m, done.bytesIn(), done.bytesOut(), done.end().name().toLowerCase(java.util.Locale.ROOT));
    });
    m.link(c.tunnel); // a drain of the member ends the tunnel after its deregistration_delay
  }

  private static double seconds(java.time.Duration d) {
    return d.toNanos() / 1e9;
  }

  /** One client connection on its way to a member. Event-loop confined. */
  private final class Connection {
    final NetSocket client;
    final ClientAddress from;
    final ListenerConfig cfg;
    final TcpTunnel tunnel;
    final long startNanos;
    /** SSL: what the handshake agreed, read while the connection is open (null on TCP). */
    final SSLSession tls;
    boolean clientGone;

    Connection(NetSocket client, ClientAddress from, ListenerConfig cfg, TcpTunnel tunnel,
        long startNanos) {
      this.client = client;
      this.from = from;
      this.cfg = cfg;
      this.tunnel = tunnel;
      this.startNanos = startNanos;
      this.tls = client.isSsl() ? client.sslSession() : null;
    }

    /** Ends a connection that never reached a member. */
    void finish(Member m, String how) {
      tunnel.abort();
      log(m, 0, 0, how);
    }

    void log(Member m, long in, long out, String how) {
      if (!accessLog.enabled()) {
        return;
      }
      long ms = (System.nanoTime() - startNanos) / 1_000_000;
      accessLog.log(new L4AccessEntry(Instant.now(), state.name(), cfg.protocol().name(), from.toString(),
          m == null ? null : m.id(), in, out, ms, how, cfg.defaultPool(), tls == null ? null : tls.getProtocol(),
          tls == null ? null : tls.getCipherSuite()));
    }
  }
}
