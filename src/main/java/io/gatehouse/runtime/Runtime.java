package io.gatehouse.runtime;

import io.gatehouse.cluster.ClusterNode;
import io.gatehouse.cluster.ClusterView;
import io.gatehouse.config.ConfigDiff;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;
import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.HealthShare;
import io.gatehouse.health.ProbeClients;
import io.gatehouse.http.L7Router;
import io.gatehouse.http.StickyCookie;
import io.gatehouse.listener.HttpListener;
import io.gatehouse.listener.ListenerServices;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.listener.TcpListener;
import io.gatehouse.listener.UdpListener;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.gatehouse.session.StickyTable;
import io.gatehouse.tls.CertificateWatcher;
import io.gatehouse.tls.ServerTls;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.impl.ServerID;
import io.vertx.core.VerticleBase;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The one writer of the gateway's state. Every control-plane change runs on this verticle's context, one at a
 * time: building pools, deploying listeners, applying reloads, re-resolving member host names, sweeping sticky
 * tables, draining. Listeners and pools are read lock-free from the event loops.
 */
public final class Runtime extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(Runtime.class.getName());
  private static final int MAX_STICKY_ENTRIES = 1_000_000;
  private static final long RESOLVE_PERIOD_MS = 30_000;
  /** How long a replaced listener may take to free its port before the new one gives up binding it. */
  private static final long REBIND_MILLIS = 5_000;

  private final PoolRegistry pools = new PoolRegistry();
  private final MemberResolver resolver = new MemberResolver();
  private final Map<String, RunningListener> listeners = new LinkedHashMap<>();
  private final List<RunningListener> drainingListeners = new CopyOnWriteArrayList<>();
  private final Map<String, HealthChecker> health = new LinkedHashMap<>();
  private final Gateway.Options options;
  private final ListenerServices services;
  /** This node's membership of the cluster, or null when standalone. */
  private final ClusterNode cluster;
  private ProbeClients probeClients;
  private ConfigSource source;
  private Future<?> reloads = Future.succeededFuture();
  private Consumer<ReloadOutcome> reloadListener = outcome -> { };
  private volatile GatehouseConfig config;
  private volatile ConfigVersion version;
  private volatile List<String> lastError;
  private volatile boolean draining;
  private volatile boolean ready;

  /** The running configuration's number (1 for the first), its digest and when it was applied. */
  public record ConfigVersion(int number, String digest, Instant loadedAt) {}

  /**
   * What a reload did: the version running afterwards and whether it changed, or (version refused) every
   * {@code config error:} line, with the running version untouched.
   */
  public record ReloadOutcome(int version, boolean changed, List<String> errors) {
    public boolean refused() {
      return !errors.isEmpty();
    }
  }

  public Runtime(ConfigResult loaded, Gateway.Options options, AccessLog accessLog) {
    this(loaded, options, accessLog, null);
  }

  /** @param cluster this node's membership of the cluster, or null when standalone */
  public Runtime(ConfigResult loaded, Gateway.Options options, AccessLog accessLog, ClusterNode cluster) {
    this.config = loaded.config();
    this.version = new ConfigVersion(1, loaded.digest(), Instant.now());
    this.options = options;
    this.cluster = cluster;
    byte[] cookieKey = cluster != null ? cluster.cookieKey() : randomKey();
    this.services = new ListenerServices(pools, accessLog, () -> config, new StickyCookie(cookieKey));
  }

  /** A per-process cookie signing key: cookies stay valid for this process's life (standalone). */
  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  // --- read from anywhere (admin API, tests) ---

  public ConfigVersion version() {
    return version;
  }

  public GatehouseConfig current() {
    return config;
  }

  /** The {@code config error:} lines of the last refused version, or null after a good one. */
  public List<String> lastError() {
    return lastError;
  }

  /** True once draining started (SIGTERM): {@code /health} answers 503 DRAINING. */
  public boolean draining() {
    return draining;
  }

  /** True once every listener of the running configuration is bound: {@code /health} answers UP. */
  public boolean ready() {
    return ready;
  }

  public PoolRegistry pools() {
    return pools;
  }

  /** The listeners of the running configuration, by name. */
  public Map<String, RunningListener> listeners() {
    return listeners;
  }

  /** Listeners removed or replaced by a reload that still drain their connections. */
  public List<RunningListener> drainingListeners() {
    return drainingListeners;
  }

  /**
   * The context every state change runs on, null until deployed: readers of {@link #listeners()} and
   * {@link #health()} (plain maps) hop onto it.
   */
  public Context context() {
    return context;
  }

  /** What the listeners share: pools, access log, cookie signer (the route API verifies sticky cookies with it). */
  public ListenerServices services() {
    return services;
  }

  /** Each pool's health checker by pool name (probe counts, passive ejections). */
  public Map<String, HealthChecker> health() {
    return health;
  }

  /** The cluster for the status document and {@code gatehouse_cluster_members}; no members when standalone. */
  public ClusterView cluster() {
    return cluster != null ? cluster.view() : ClusterView.standalone(config.node().name());
  }

  /** This node's cluster membership, or null when standalone. */
  public ClusterNode clusterNode() {
    return cluster;
  }

  /** Each clustered node's running configuration as {@code version digest}, by node name; empty standalone. */
  public Map<String, String> clusterConfigs() {
    return cluster != null ? cluster.configs() : Map.of();
  }

  private void publishVersion() {
    if (cluster != null) {
      cluster.publishConfig(version.number(), version.digest());
    }
  }

  // --- start ---

  @Override
  public Future<?> start() {
    GatehouseConfig c = config;
    if (cluster != null) {
      cluster.attach(context, health);
    }
    return vertx.executeBlocking(() -> {
          resolver.refresh(allMembers(c));
          return loadTls(c.listeners());
        })
        .compose(tls -> {
          probeClients = new ProbeClients(vertx);
          c.pools().forEach(this::addPool);
          List<Future<?>> started = new ArrayList<>();
          for (ListenerConfig l : c.listeners()) {
            started.add(deploy(l, tls.get(l.name()), c).onSuccess(r -> listeners.put(l.name(), r)));
          }
          return Future.all(started);
        })
        .onSuccess(v -> {
          ready = true;
          publishVersion();
          source = watchConfigFile(c);
          vertx.setPeriodic(RESOLVE_PERIOD_MS, id -> refreshAddresses());
          vertx.setPeriodic(1000, id -> tick());
        });
  }

  /** Blocking: reads and checks the certificate files of the given TLS listeners, by listener name. */
  private static Map<String, ServerTls> loadTls(List<ListenerConfig> some) {
    Map<String, ServerTls> out = new HashMap<>();
    for (ListenerConfig l : some) {
      if (l.tls() != null) {
        out.put(l.name(), ServerTls.load(l.tls(), l.clientTimeout()));
      }
    }
    return out;
  }

  private void addPool(PoolConfig pc) {
    StickyTable sticky = cluster != null
        ? cluster.stickyTable(pc.name(), MAX_STICKY_ENTRIES)
        : StickyTable.local(MAX_STICKY_ENTRIES);
    Pool pool = new Pool(pc, sticky, resolver::resolve, cluster != null);
    pools.put(pool);
    HealthChecker checker = new HealthChecker(vertx, pool, probeClients,
        cluster != null ? cluster.health() : HealthShare.LOCAL);
    health.put(pc.name(), checker);
    checker.start();
  }

  /** Deploys one listener's instances; fails with a {@link BindException} when its port cannot be bound. */
  private Future<RunningListener> deploy(ListenerConfig l, ServerTls tls, GatehouseConfig c) {
    ListenerState state = new ListenerState(l, tls, l.protocol().isHttp() ? L7Router.compile(l, c) : null);
    Supplier<Deployable> instance = switch (l.protocol()) {
      case TCP, SSL -> () -> new TcpListener(state, services);
      case UDP -> () -> new UdpListener(state, services);
      case HTTP, HTTPS -> () -> new HttpListener(state, services);
    };
    // a UDP port is not shared between event loops: one instance
    int instances = l.protocol() == io.gatehouse.config.ListenerProtocol.UDP ? 1 : c.node().eventLoops();
    return vertx.deployVerticle(instance, new DeploymentOptions().setInstances(instances))
        .recover(e -> Future.failedFuture(new BindException(l.name(), e)))
        .map(id -> {
          LOG.info("listener " + l.name() + ": " + l.protocol() + " on " + l.host() + ":" + l.protocolPort()
              + " -> pool " + l.defaultPool());
          return new RunningListener(state, id, watchCertificates(state, c));
        });
  }

  /**
   * Watches a TLS listener's certificate, key and CA files: a good replacement reaches new handshakes on every
   * instance, a broken one is logged and the running certificate stays.
   */
  private CertificateWatcher watchCertificates(ListenerState state, GatehouseConfig c) {
    ListenerConfig l = state.config();
    long period = c.reload().scanPeriodMs();
    if (l.tls() == null || period == 0) {
      return null;
    }
    CertificateWatcher watcher = new CertificateWatcher(vertx, l.name(), l.tls(), l.clientTimeout(),
        opts -> state.updateTls(opts)
            .onSuccess(v -> LOG.info("listener " + l.name() + ": new certificate in use for new handshakes")),
        problem -> { });
    watcher.start(Duration.ofMillis(period));
    return watcher;
  }

  private ConfigSource watchConfigFile(GatehouseConfig c) {
    if (options.configFile() == null) {
      return null;
    }
    return new ConfigSource(vertx, options.configFile(), c.reload().scanPeriodMs(), this::reloadText);
  }

  // --- reload ---

  /**
   * Re-reads the configuration file and applies it as a diff when it is valid and changed. Reloads run one at a
   * time on this verticle's context; safe to call from any thread.
   */
  public Future<ReloadOutcome> reload() {
    if (source == null) {
      return Future.failedFuture("no configuration file to reload");
    }
    Promise<ReloadOutcome> done = Promise.promise();
    context.runOnContext(v -> source.read()
        .onSuccess(text -> reloadText(text).onComplete(done))
        .onFailure(e -> {
          ReloadOutcome refused = refuse(List.of("config error: $: cannot read " + options.configFile() + ": "
              + e.getMessage()));
          reloadListener.accept(refused);
          done.complete(refused);
        }));
    return done.future();
  }

  /** Called on this verticle's context after every reload, whatever its outcome (metrics follow it). */
  public void onReload(Consumer<ReloadOutcome> listener) {
    this.reloadListener = listener;
  }

  /** Queues a reload of {@code text} behind any running one. Runtime context only. */
  private Future<ReloadOutcome> reloadText(String text) {
    Future<ReloadOutcome> next = reloads.transform(ignored -> apply(text)).onSuccess(o -> reloadListener.accept(o));
    reloads = next;
    return next;
  }

  private Future<ReloadOutcome> apply(String text) {
    if (draining) {
      return Future.succeededFuture(new ReloadOutcome(version.number(), false, List.of()));
    }
    Path base = options.configFile().toAbsolutePath().getParent();
    return vertx.executeBlocking(() -> Prepared.of(ConfigParser.parse(text, base), config, resolver))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.succeededFuture(refuse(List.of("config error: $: " + ar.cause().getMessage())));
          }
          Prepared p = ar.result();
          if (!p.result().ok() || !p.result().digest().equals(version.digest())) {
            // the lines start-up and --check print: an edit read by a reload is warned about like one read at
            // start (an unchanged file's warnings were logged when it was loaded)
            p.result().warnings().forEach(LOG::warning);
          }
          if (!p.result().ok()) {
            return Future.succeededFuture(refuse(p.result().errorLines()));
          }
          if (p.result().digest().equals(version.digest())) {
            lastError = null;
            return Future.succeededFuture(new ReloadOutcome(version.number(), false, List.of()));
          }
          return switchTo(p);
        });
  }

  private ReloadOutcome refuse(List<String> errors) {
    errors.forEach(e -> LOG.warning("reload refused: " + e));
    lastError = List.copyOf(errors);
    return new ReloadOutcome(version.number(), false, lastError);
  }

  /**
   * A valid, parsed version and what its apply needs from blocking work (member addresses resolved, TLS files
   * of new, replaced and changed TLS listeners loaded).
   */
  private record Prepared(ConfigResult result, ConfigDiff diff, Map<String, ServerTls> tls) {
    static Prepared of(ConfigResult r, GatehouseConfig running, MemberResolver resolver) {
      if (!r.ok()) {
        return new Prepared(r, null, Map.of());
      }
      ConfigDiff diff = ConfigDiff.between(running, r.config());
      resolver.refresh(allMembers(r.config()));
      List<ListenerConfig> tlsToLoad = new ArrayList<>(diff.addedListeners());
      tlsToLoad.addAll(diff.replacedListeners());
      tlsToLoad.addAll(diff.changedInPlace());
      return new Prepared(r, diff, loadTls(tlsToLoad));
    }
  }

  /**
   * Applies a valid version in an order that loses nothing: new pools first (unreferenced until now); then the
   * listeners that need a port of their own, which may fail to bind - then everything added so far is undone
   * and the version refused; then in-place changes to pools and listeners; then listeners replaced on their own
   * port (the old one stops accepting, the new one binds: a short, logged refusal window); then removals, which
   * drain in the background.
   */
  private Future<ReloadOutcome> switchTo(Prepared p) {
    GatehouseConfig next = p.result().config();
    ConfigDiff diff = p.diff();
    LOG.info("applying configuration version " + (version.number() + 1) + ": " + diff.summary());
    diff.needRestart().forEach(what -> LOG.warning("reload: a change to " + what + " takes effect at restart"));
    diff.addedPools().forEach(this::addPool);

    List<ListenerConfig> bindFirst = new ArrayList<>(diff.addedListeners());
    List<ListenerConfig> rebind = new ArrayList<>();
    for (ListenerConfig l : diff.replacedListeners()) {
      (samePort(listeners.get(l.name()).state().config(), l) ? rebind : bindFirst).add(l);
    }
    Map<String, RunningListener> bound = new LinkedHashMap<>();
    List<Future<?>> binds = new ArrayList<>();
    for (ListenerConfig l : bindFirst) {
      binds.add(deploy(l, p.tls().get(l.name()), next).onSuccess(r -> bound.put(l.name(), r)));
    }
    return Future.join(binds).transform(ar -> {
      if (ar.failed()) {
        bound.values().forEach(r -> r.drain(vertx));
        diff.addedPools().forEach(pc -> removePool(pc.name()));
        return Future.succeededFuture(refuse(List.of(ar.cause().getMessage())));
      }
      diff.changedPools().forEach(pc -> {
        pools.get(pc.name()).apply(pc, resolver::resolve);
        health.get(pc.name()).update(pc);
      });
      for (ListenerConfig l : diff.changedInPlace()) {
        RunningListener r = listeners.get(l.name());
        r.state().update(l, l.protocol().isHttp() ? L7Router.compile(l, next) : null);
        ServerTls tls = p.tls().get(l.name());
        if (tls != null) {
          r.state().updateTls(tls.sslOptions());
          r.watch(watchCertificates(r.state(), next));
        }
      }
      // redirect_listener targets may have moved: every HTTP listener gets its policies compiled anew
      for (RunningListener r : listeners.values()) {
        ListenerConfig l = next.listener(r.name()).orElse(null);
        if (l != null && l.protocol().isHttp() && !diff.replacedListeners().contains(l)) {
          r.state().update(l, L7Router.compile(l, next));
        }
      }
      for (Map.Entry<String, RunningListener> e : bound.entrySet()) {
        RunningListener old = listeners.put(e.getKey(), e.getValue());
        if (old != null) {
          retire(old);
        }
      }
      diff.removedListeners().forEach(l -> retire(listeners.remove(l.name())));
      services.accessLog().setEnabled(next.accessLog());
      config = next;
      return rebindInPlace(rebind, p, next).map(v -> {
        diff.removedPools().forEach(pc -> removePool(pc.name()));
        version = new ConfigVersion(version.number() + 1, p.result().digest(), Instant.now());
        lastError = null;
        LOG.info("configuration version " + version.number() + " applied");
        publishVersion();
        return new ReloadOutcome(version.number(), true, List.of());
      });
    });
  }

  /** Listeners replaced on the same host and port: stop accepting on the old socket, then bind the new one. */
  private Future<Void> rebindInPlace(List<ListenerConfig> rebind, Prepared p, GatehouseConfig next) {
    Future<Void> chain = Future.succeededFuture();
    for (ListenerConfig l : rebind) {
      RunningListener old = listeners.get(l.name());
      chain = chain.compose(v -> {
        LOG.info("listener " + l.name() + ": replaced on the same port; new connections are refused until it binds");
        retire(old);
        return bindWithRetry(l, p.tls().get(l.name()), next, System.nanoTime() + REBIND_MILLIS * 1_000_000)
            .onSuccess(r -> listeners.put(l.name(), r))
            .onFailure(e -> LOG.severe(e.getMessage()))
            .mapEmpty();
      });
    }
    return chain.recover(e -> Future.succeededFuture());
  }

  /**
   * The old listener's socket closes asynchronously: retry binding until it is free or the deadline passes. A TCP
   * port first waits until Vert.x has forgotten the old server: while its closing server is still registered for
   * the address, a new server on it would join that one (Vert.x shares a socket among the servers of an address)
   * and be left on a socket that is closing, refusing every connection from then on.
   */
  private Future<RunningListener> bindWithRetry(ListenerConfig l, ServerTls tls, GatehouseConfig c, long deadline) {
    if (l.protocol() != ListenerProtocol.UDP && System.nanoTime() - deadline < 0 && stillShared(l)) {
      Promise<RunningListener> later = Promise.promise();
      vertx.setTimer(10, id -> bindWithRetry(l, tls, c, deadline).onComplete(later));
      return later.future();
    }
    return deploy(l, tls, c).recover(e -> {
      if (System.nanoTime() - deadline > 0) {
        return Future.failedFuture(e);
      }
      Promise<RunningListener> later = Promise.promise();
      vertx.setTimer(50, id -> bindWithRetry(l, tls, c, deadline).onComplete(later));
      return later.future();
    });
  }
  /** Whether Vert.x still holds a (closing) TCP server for the listener's address. */
  private boolean stillShared(ListenerConfig l) {
    return ((VertxInternal) vertx).sharedTcpServers().containsKey(new ServerID(l.protocolPort(), l.host()));
  }


  private static boolean samePort(ListenerConfig a, ListenerConfig b) {
    return a.protocolPort() == b.protocolPort() && a.host().equals(b.host());
  }

  /** A listener leaves the configuration: it drains in the background and is listed as DRAINING meanwhile. */
  private void retire(RunningListener r) {
    drainingListeners.add(r);
    r.drain(vertx).onComplete(v -> drainingListeners.remove(r));
  }

  private void removePool(String name) {
    pools.remove(name);
    HealthChecker checker = health.remove(name);
    if (checker != null) {
      checker.stop();
    }
  }

  // --- timers ---

  /** Once a second: slow-start ramps and expired sticky entries. */
  private void tick() {
    for (Pool p : pools.all()) {
      if (p.snapshot().rampingUp()) {
        p.rebuild();
      }
      p.sticky().sweep();
    }
    listeners.values().forEach(r -> r.state().sweepClients());
  }

  private void refreshAddresses() {
    GatehouseConfig c = config;
    vertx.executeBlocking(() -> resolver.refresh(allMembers(c))).onSuccess(changed -> {
      if (changed) {
        pools.all().forEach(p -> p.apply(p.config(), resolver::resolve));
      }
    });
  }

  private static List<MemberConfig> allMembers(GatehouseConfig c) {
    return c.pools().stream().flatMap(p -> p.members().stream()).toList();
  }

  // --- stop ---

  /**
   * Stops accepting on every listener at once, lets open connections and sessions end for up to drain_timeout,
   * then closes what is left (each listener's stop does the waiting).
   */
  public Future<Void> drain() {
    draining = true;
    if (source != null) {
      source.close();
    }
    if (cluster == null) {
      health.values().forEach(HealthChecker::stop);
    }
    List<Future<?>> stopped = new ArrayList<>();
    for (RunningListener r : listeners.values()) {
      stopped.add(r.drain(vertx));
    }
    // in a cluster this node probes its share of the members until it leaves: nobody else does meanwhile
    return Future.all(stopped).onComplete(v -> health.values().forEach(HealthChecker::stop)).mapEmpty();
  }

  /** A listener whose port could not be bound: the contract's {@code bind error: listener <name>: <reason>}. */
  public static final class BindException extends RuntimeException {
    public BindException(String listener, Throwable cause) {
      super("bind error: listener " + listener + ": " + cause.getMessage(), cause);
    }
  }
}
