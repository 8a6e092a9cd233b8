package io.gatehouse.http;

import io.gatehouse.balance.ClientHash;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.gatehouse.session.StickyTable;
import io.netty.util.NetUtil;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.gatehouse.vertx.Contexts;
import io.vertx.core.net.SocketAddress;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A stand-in for the HTTP listener, for exchange tests through real sockets: a Vert.x HTTP server on 127.0.0.1
 * whose requests become {@link ProxyExchange}s as the listener makes them (paused, then started with the route
 * decision), with its own {@link MemberClients} and {@link ProxyContext} on the server's event loop, in front of
 * pool {@code p}. It records every exchange's phases and pairs them with its access-log line once it has ended.
 */
final class ExchangeRig {

  /** One ended exchange: the phases it went through, first to last, and its access-log line. */
  record Ended(List<ExchangePhase> path, String line) {
    /** A {@code key=value} field of the access-log line. */
    String field(String key) {
      for (String part : line.split(" ")) {
        if (part.startsWith(key + "=")) {
          return part.substring(key.length() + 1);
        }
      }
      throw new AssertionError("no " + key + " in " + line);
    }
  }

  private final Vertx vertx;
  private final ListenerConfig config;
  private final Pool pool;
  private final PoolRegistry pools = new PoolRegistry();
  final StickyCookie cookies = new StickyCookie("exchange-rig-key".getBytes(StandardCharsets.US_ASCII));
  private final AccessLog accessLog;
  /** How the rig routes a request (the listener's forwarding policies); to pool p unless a test says otherwise. */
  volatile Function<HttpServerRequest, RouteDecision> route = req -> new RouteDecision.ToPool(null, "p");
  private final Map<ExchangeStateMachine, List<ExchangePhase>> paths = new ConcurrentHashMap<>();
  private final ArrayDeque<List<ExchangePhase>> donePaths = new ArrayDeque<>();
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  private final ArrayDeque<Promise<Ended>> waiting = new ArrayDeque<>();
  private final List<Promise<Void>> clientCloses = new ArrayList<>();
  private volatile ProxyExchange last;
  private Context context;
  private MemberClients clients;
  private HttpServer server;

  private ExchangeRig(Vertx vertx, ListenerConfig config, Pool pool) {
    this.vertx = vertx;
    this.config = config;
    this.pool = pool;
    pools.put(pool);
    this.accessLog = new AccessLog(new PrintStream(new LineSink(), true, StandardCharsets.UTF_8), true);
  }

  /**
   * Starts a rig: {@code listenerExtra} and {@code poolExtra} add fields to the listener and the pool (each
   * starting with a comma, or empty), {@code members} is the pool's members array.
   */
  static Future<ExchangeRig> start(Vertx vertx, String listenerExtra, String poolExtra, String members) {
    return start(vertx, "HTTP", listenerExtra, poolExtra, members);
  }

  /** Like {@link #start(Vertx, String, String, String)}, with a pool of {@code poolProtocol} (HTTP or HTTPS). */
  static Future<ExchangeRig> start(Vertx vertx, String poolProtocol, String listenerExtra, String poolExtra,
      String members) {
    ConfigResult parsed = ConfigParser.parse("""
        {"listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":8080,"default_pool":"p"%s}],
         "pools":[{"name":"p","protocol":"%s"%s,"members":%s}]}
        """.formatted(listenerExtra, poolProtocol, poolExtra, members), null);
    if (!parsed.ok()) {
      return Future.failedFuture(new AssertionError("rig configuration refused: " + parsed.errors()));
    }
    Pool pool = new Pool(parsed.config().pools().get(0), StickyTable.local(1000),
        mc -> SocketAddress.inetSocketAddress(mc.protocolPort(), mc.address()));
    ExchangeRig rig = new ExchangeRig(vertx, parsed.config().listeners().get(0), pool);
    return vertx.deployVerticle(rig.new Listener()).map(rig);
  }

  /** A {@code members} array of 127.0.0.1 members on these ports. */
  static String members(int... ports) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < ports.length; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"address\":\"127.0.0.1\",\"protocol_port\":").append(ports[i]).append('}');
    }
    return sb.append(']').toString();
  }

  /** The listener's event loop: the server, the member connections and the exchanges run on it. */
  private final class Listener extends VerticleBase {
    @Override
    public Future<?> start() {
      ExchangeRig.this.context = context;
      clients = new MemberClients(context);
      // the listener's options where they shape an exchange: no h2c (Vert.x's default) nor WebSocket extensions in
      // the pipeline, Expect: 100-continue left to the exchange, handlers on this event loop only
      server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false)
              .setPerFrameWebSocketCompressionSupported(false).setPerMessageWebSocketCompressionSupported(false)
              .setHandle100ContinueAutomatically(false).setStrictThreadMode(true))
          .connectionHandler(conn -> conn.closeHandler(v -> clientClosed()))
          .requestHandler(ExchangeRig.this::request);
      return server.listen(0, "127.0.0.1");
    }

    @Override
    public Future<?> stop() {
      return clients.close();
    }
  }

  private void request(HttpServerRequest req) {
    req.pause();
    ProxyContext ctx = new ProxyContext(RequestMetrics.NONE, Contexts.eventLoop(context), config, pools, cookies,
        accessLog, clients, (in, out) -> { }, "http", String.valueOf(server.actualPort()));
    String ip = req.remoteAddress().hostAddress();
    Peer peer = new Peer(ip, ClientHash.of(NetUtil.createByteArrayFromIpAddressString(ip)),
        req.remoteAddress().port(), null);
    RouteDecision decision = route.apply(req);
    ProxyExchange x = new ProxyExchange(ctx, req, req.uri(), peer, decision.policy());
    List<ExchangePhase> path = new ArrayList<>(List.of(ExchangePhase.CHOOSING));
    paths.put(x, path);
    x.observer = (exchange, from, to) -> moved(exchange, to);
    last = x;
    x.start(decision);
  }

  private void moved(ExchangeStateMachine x, ExchangePhase to) {
    List<ExchangePhase> path = paths.get(x);
    path.add(to);
    if (to == ExchangePhase.DONE) {
      paths.remove(x);
      synchronized (this) {
        donePaths.add(List.copyOf(path));
      }
    }
  }

  /** Completes with the next exchange to end, in the order they end (its access-log line pairs it up). */
  synchronized Future<Ended> ended() {
    Promise<Ended> p = Promise.promise();
    waiting.add(p);
    pair();
    return p.future();
  }

  /** Completes once a client connection to the rig has closed and the rig's event loop has handled the close. */
  synchronized Future<Void> clientConnectionClosed() {
    Promise<Void> p = Promise.promise();
    clientCloses.add(p);
    return p.future();
  }

  private void clientClosed() {
    List<Promise<Void>> now;
    synchronized (this) {
      now = new ArrayList<>(clientCloses);
      clientCloses.clear();
    }
    // the exchange's own close handler runs in the same turn of the loop: after the next task, it has run
    context.runOnContext(v -> now.forEach(Promise::tryComplete));
  }

  private synchronized void pair() {
    while (!waiting.isEmpty() && !lines.isEmpty() && !donePaths.isEmpty()) {
      waiting.poll().complete(new Ended(donePaths.poll(), lines.poll()));
    }
  }

  /** The access log's lines, as its writer thread prints them. */
  private final class LineSink extends OutputStream {
    private final StringBuilder line = new StringBuilder();

    @Override
    public void write(int b) {
      if (b == '\n') {
        String done = line.toString();
        line.setLength(0);
        System.out.println(done);
        synchronized (ExchangeRig.this) {
          lines.add(done);
          pair();
        }
      } else {
        line.append((char) b);
      }
    }
  }

  int port() {
    return server.actualPort();
  }

  /** The exchange of the latest request. */
  ProxyExchange last() {
    return last;
  }

  /** Runs {@code task} on the rig's event loop (where exchanges may be touched) and completes with its result. */
  <T> Future<T> onLoop(java.util.concurrent.Callable<T> task) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(task.call());
      } catch (Throwable e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  Member member(int port) {
    return pool.member("127.0.0.1:" + port);
  }

  void close() {
    accessLog.close();
  }
}
