package io.gatehouse.runtime;

import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.OutlierDetection;
import io.gatehouse.health.HealthChecker;
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
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.gatehouse.tls.CertificateWatcher;
import io.gatehouse.tls.ServerTls;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The one writer of the gateway's state. Every control-plane change runs on this verticle's context, one at a
 * time: building pools, deploying listeners, re-resolving member host names, sweeping sticky tables, draining.
 * Listeners and pools are read lock-free from the event loops.
 */
public final class Runtime extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(Runtime.class.getName());
  private static final int MAX_STICKY_ENTRIES = 1_000_000;
  private static final long RESOLVE_PERIOD_MS = 30_000;

  private final PoolRegistry pools = new PoolRegistry();
  private final MemberResolver resolver = new MemberResolver();
  private final Map<String, RunningListener> listeners = new LinkedHashMap<>();
  private final Map<String, HealthChecker> health = new LinkedHashMap<>();
  private ProbeClients probeClients;
  private final Gateway.Options options;
  private final ListenerServices services;
  private volatile GatehouseConfig config;
  private volatile ConfigVersion version;
  private volatile List<String> lastError;
  private volatile boolean draining;
  private volatile boolean ready;

  /** A deployed listener: its shared state, the deployment of its instances, its certificate watcher or null. */
  public record RunningListener(ListenerState state, String deploymentId, CertificateWatcher certificates) {}

  /** The running configuration's number (1 for the first), its digest and when it was applied. */
  public record ConfigVersion(int number, String digest, Instant loadedAt) {}

  public Runtime(ConfigResult loaded, Gateway.Options options, AccessLog accessLog) {
    this.config = loaded.config();
    this.version = new ConfigVersion(1, loaded.digest(), Instant.now());
    this.options = options;
    this.services = new ListenerServices(pools, accessLog, () -> config, new StickyCookie(randomKey()));
  }

  /** A per-process cookie signing key: cookies stay valid for this process's life (shared in a cluster later). */
  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  /**
   * What a reload did: the version running afterwards and whether it changed, or (version refused) every
   * {@code config error:} line, with the running version untouched.
   */
  public record ReloadOutcome(int version, boolean changed, List<String> errors) {
    public boolean refused() {
      return !errors.isEmpty();
    }
  }

  /**
   * Re-reads the configuration file and applies it as a diff when it is valid and changed. Runs the apply on
   * this verticle's context; safe to call from any thread.
   */
  public Future<ReloadOutcome> reload() {
    return Future.failedFuture("reload is not implemented yet");
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

  public ConfigVersion version() {
    return version;
  }

  public GatehouseConfig current() {
    return config;
  }

  public PoolRegistry pools() {
    return pools;
  }

  public Map<String, RunningListener> listeners() {
    return listeners;
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

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(() -> {
          resolver.refresh(allMembers(config));
          return loadTls(config);
        })
        .compose(tls -> {
          probeClients = new ProbeClients(vertx);
          config.pools().forEach(this::addPool);
          List<Future<?>> started = new ArrayList<>();
          for (ListenerConfig l : config.listeners()) {
            started.add(deploy(l, tls.get(l.name())));
          }
          return Future.all(started);
        })
        .onSuccess(v -> {
          ready = true;
          vertx.setPeriodic(RESOLVE_PERIOD_MS, id -> refreshAddresses());
          vertx.setPeriodic(1000, id -> tick());
        });
  }

  /** Blocking: reads and checks the certificate files of every TLS listener, by listener name. */
  private static Map<String, ServerTls> loadTls(GatehouseConfig c) {
    Map<String, ServerTls> out = new HashMap<>();
    for (ListenerConfig l : c.listeners()) {
      if (l.tls() != null) {
        out.put(l.name(), ServerTls.load(l.tls(), l.clientTimeout()));
      }
    }
    return out;
  }

  private void addPool(PoolConfig pc) {
    Pool pool = new Pool(pc, StickyTable.local(MAX_STICKY_ENTRIES), resolver::resolve);
    pools.put(pool);
    HealthChecker checker = new HealthChecker(vertx, pool, probeClients, OutlierDetection.DEFAULT);
    health.put(pc.name(), checker);
    checker.start();
  }

  private Future<String> deploy(ListenerConfig l, ServerTls tls) {
    ListenerState state = new ListenerState(l, tls, l.protocol().isHttp() ? L7Router.compile(l, config) : null);
    Supplier<Deployable> instance;
    int instances;
    switch (l.protocol()) {
      case TCP, SSL -> {
        instance = () -> new TcpListener(state, services);
        instances = config.node().eventLoops();
      }
      case UDP -> {
        instance = () -> new UdpListener(state, services);
        instances = 1;
      }
      case HTTP, HTTPS -> {
        instance = () -> new HttpListener(state, services);
        instances = config.node().eventLoops();
      }
      default -> throw new IllegalStateException("unknown protocol " + l.protocol());
    }
    return vertx.deployVerticle(instance, new DeploymentOptions().setInstances(instances))
        .recover(e -> Future.failedFuture(new BindException(l.name(), e)))
        .onSuccess(id -> {
          listeners.put(l.name(), new RunningListener(state, id, watchCertificates(state)));
          LOG.info("listener " + l.name() + ": " + l.protocol() + " on " + l.host() + ":" + l.protocolPort()
              + " -> pool " + l.defaultPool());
        });
  }

  /**
   * Watches a TLS listener's certificate, key and CA files: a good replacement reaches new handshakes on every
   * instance, a broken one is logged and the running certificate stays.
   */
  private CertificateWatcher watchCertificates(ListenerState state) {
    ListenerConfig l = state.config();
    long period = config.reload().scanPeriodMs();
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

  /** Once a second: slow-start ramps and expired sticky entries. */
  private void tick() {
    for (Pool p : pools.all()) {
      if (p.snapshot().rampingUp()) {
        p.rebuild();
      }
      p.sticky().sweep();
    }
  }

  private void refreshAddresses() {
    vertx.executeBlocking(() -> resolver.refresh(allMembers(config))).onSuccess(changed -> {
      if (changed) {
        pools.all().forEach(p -> p.apply(p.config(), resolver::resolve));
      }
    });
  }

  private static List<MemberConfig> allMembers(GatehouseConfig c) {
    return c.pools().stream().flatMap(p -> p.members().stream()).toList();
  }

  /**
   * Stops accepting on every listener at once, lets open connections and sessions end for up to drain_timeout,
   * then closes what is left (each listener's stop does the waiting).
   */
  public Future<Void> drain() {
    draining = true;
    health.values().forEach(HealthChecker::stop);
    listeners.values().forEach(r -> {
      r.state().startDraining();
      if (r.certificates() != null) {
        r.certificates().stop();
      }
    });
    List<Future<?>> stopped = new ArrayList<>();
    for (RunningListener r : listeners.values()) {
      stopped.add(vertx.undeploy(r.deploymentId()));
    }
    return Future.all(stopped).mapEmpty();
  }

  /** A listener whose port could not be bound: the contract's {@code bind error: listener <name>: <reason>}. */
  public static final class BindException extends RuntimeException {
    public BindException(String listener, Throwable cause) {
      super("bind error: listener " + listener + ": " + cause.getMessage(), cause);
    }
  }
}
