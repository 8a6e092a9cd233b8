package io.gatehouse.runtime;

import io.gatehouse.cluster.ClusterNode;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.ConfigDiff;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.http.RequestMetrics;
import io.gatehouse.http.StickyCookie;
import io.gatehouse.listener.ListenerServices;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberOverride;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.gatehouse.tls.SessionTickets;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The one writer of the gateway's state. Every change runs on this verticle's context, one at a time: start-up
 * and reloads (through the {@link Reconciler}), re-resolving member host names, the once-a-second sweeps, the
 * drain. After each change it publishes a new {@link RuntimeView}; everyone else reads that and never the
 * writer's own structures. Listeners read their settings and the pools lock-free from the event loops.
 */
public final class Runtime extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(Runtime.class.getName());
  private static final long RESOLVE_PERIOD_MS = 30_000;

  private final AtomicReference<RuntimeView> view = new AtomicReference<>();
  private final Path configFile;
  /** This node's membership of the cluster, or null when standalone. */
  private final ClusterNode cluster;
  private final PoolRegistry registry;
  private final ListenerServices services;
  private final MemberResolver resolver = new MemberResolver();
  private final CookieKeys cookieKeys;
  /** Once a day while a certificate close to expiry is served; checked on the one-second tick. */
  private final CertificateExpiryWarnings expiryWarnings = new CertificateExpiryWarnings(java.time.Duration.ofDays(1));
  private PoolSet pools;
  private ListenerSet listeners;
  private Reconciler reconciler;
  private ConfigSource source;
  private TokenFileWatch tokenWatch;
  /** The admin API's address: bound at start, kept until restart whatever a reload says. */
  private final GatehouseConfig.AdminConfig boundAdmin;
  /** node.name needs a restart: the status keeps the name the node started with after a reload changes it. */
  private final String startNodeName;
  /** What runs until a restart (event loops, signer, cluster membership): what a reload's warnings compare with. */
  private final GatehouseConfig startedWith;
  private Future<?> reloads = Future.succeededFuture();
  private Consumer<ReloadOutcome> reloadListener = outcome -> { };
  private GatehouseConfig config;
  private ConfigVersion version;
  private List<String> lastError;
  private RuntimeView.Phase phase = RuntimeView.Phase.STARTING;

  /**
   * @param configFile the file reloads re-read, or null (no reloads)
   * @param cluster this node's membership of the cluster, or null when standalone
   * @param requests where the HTTP listeners count finished requests
   */
  public Runtime(ConfigResult loaded, Path configFile, AccessLog accessLog, ClusterNode cluster,
      RequestMetrics requests) {
    this.config = loaded.config();
    this.boundAdmin = config.admin();
    this.startNodeName = config.node().name();
    this.startedWith = config;
    this.version = ConfigVersion.first(loaded);
    this.configFile = configFile;
    this.cluster = cluster;
    this.registry = new PoolRegistry();
    this.cookieKeys = new CookieKeys(cluster != null ? cluster.clusterName() : null);
    this.services = new ListenerServices(registry, accessLog, () -> view.get().config(),
        new StickyCookie(cookieKeys.signing(config), cookieKeys.verifying(config)), requests);
    SessionTickets.useSecret(cookieKeys.ticketSecret(config), cookieKeys.ticketSecretField());
    LOG.info("tls: session tickets (engine boringssl) sealed with hourly keys from " + cookieKeys.ticketSource(config));
    publish();
  }

  /** What runs now; a new view after every change. Any thread. */
  public RuntimeView view() {
    return view.get();
  }

  /** Called on this verticle's context after every reload, whatever its outcome (metrics count them). */
  public void onReload(Consumer<ReloadOutcome> listener) {
    this.reloadListener = listener;
  }

  private void publish() {
    view.set(new RuntimeView(startNodeName, config, version, lastError, phase,
        listeners == null ? java.util.Map.of() : listeners.inOrder(config),
        listeners == null ? List.of() : listeners.drainingStates(),
        pools == null ? java.util.Map.of() : pools.inOrder(config),
        pools == null ? java.util.Map.of() : pools.healthCopy(),
        cluster, services.cookies()));
  }

  // --- start ---

  /** Applies the first version from nothing; fails with the {@code bind error:} line when a port is taken. */
  @Override
  public Future<?> start() {
    pools = new PoolSet(vertx, cluster, resolver, registry);
    listeners = new ListenerSet(vertx, services, this::publish);
    reconciler = new Reconciler(pools, listeners, services.accessLog());
    if (cluster != null) {
      cluster.attach(context, pools.health(), pools::shared);
    }
    GatehouseConfig first = config;
    ConfigResult loaded = new ConfigResult(first, List.of(), List.of(), version.digest(), version.sharedDigest());
    return vertx.executeBlocking(() -> PreparedVersion.of(loaded, PreparedVersion.nothingOf(first), resolver))
        .compose(reconciler::apply)
        .compose(errors -> errors.isEmpty() ? Future.succeededFuture()
            : Future.failedFuture(new IllegalStateException(errors.get(0))))
        .onSuccess(v -> {
          phase = RuntimeView.Phase.READY;
          publish();
          publishVersion();
          expiryWarnings.check(view.get().listeners(), java.time.Instant.now());
          if (configFile != null) {
            scan(first.reload().scanPeriodMs());
          }
          vertx.setPeriodic(RESOLVE_PERIOD_MS, id -> refreshAddresses());
          vertx.setPeriodic(1000, id -> tick());
        });
  }

  private void publishVersion() {
    if (cluster != null) {
      cluster.publishConfig(version.number(), version.sharedDigest()); // drift ignores node and admin
    }
  }

  // --- reload ---

  /**
   * Re-reads the configuration file and applies it as a diff when it is valid and changed. Reloads run one at a
   * time on this verticle's context; safe to call from any thread.
   */
  public Future<ReloadOutcome> reload() {
    if (configFile == null) {
      return Future.failedFuture("no configuration file to reload");
    }
    Promise<ReloadOutcome> done = Promise.promise();
    context.runOnContext(v -> {
      if (source == null) {
        done.fail("the gateway has not started");
        return;
      }
      source.read()
          .onSuccess(text -> reloadText(text).onComplete(done))
          .onFailure(e -> {
            ReloadOutcome refused = refuse(List.of("config error: $: cannot read " + configFile + ": "
                + e.getMessage()));
            reloadListener.accept(refused);
            done.complete(refused);
          });
    });
    return done.future();
  }

  /** Queues a reload of {@code text} behind any running one. Runtime context only. */
  private Future<ReloadOutcome> reloadText(String text) {
    Future<ReloadOutcome> next = reloads.transform(ignored -> apply(text)).onSuccess(o -> reloadListener.accept(o));
    reloads = next;
    return next;
  }

  private Future<ReloadOutcome> apply(String text) {
    if (phase == RuntimeView.Phase.DRAINING) {
      return Future.succeededFuture(new ReloadOutcome(version.number(), false, List.of()));
    }
    Path base = configFile.toAbsolutePath().getParent();
    GatehouseConfig running = config;
    return vertx.executeBlocking(() -> PreparedVersion.of(ConfigParser.parse(text, base), running, resolver))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.succeededFuture(refuse(List.of("config error: $: " + ar.cause().getMessage())));
          }
          PreparedVersion p = ar.result();
          ConfigResult r = p.result();
          // unchanged: the same text and the same secrets read from it (a token file that now holds another token is a
          // change: the admin API takes it at once; so is a new cluster secret or session key file). Never a version
          // that does not parse: a file it names that went bad (an emptied token file) is refused and shown, the
          // running version kept
          boolean unchanged = r.ok() && r.digest().equals(version.digest()) && sameSecrets(r.config(), running);
          if (!unchanged) {
            // the lines start-up and --check print: an edit read by a reload is warned about like one read at
            // start (an unchanged file's warnings were logged when it was loaded)
            r.warnings().forEach(LOG::warning);
          }
          if (!r.ok()) {
            return Future.succeededFuture(refuse(r.errorLines()));
          }
          String exposed = r.config().admin().exposedOn(boundAdmin.host(), boundAdmin.port());
          if (exposed != null) {
            return Future.succeededFuture(refuse(List.of("config error: $.admin.token: " + exposed)));
          }
          if (unchanged) {
            pools.useMemberTls(p.memberTls()); // a replaced ca_certificate file takes effect on reload
            lastError = null;
            publish();
            return Future.succeededFuture(new ReloadOutcome(version.number(), false, List.of()));
          }
          return switchTo(p);
        });
  }

  /**
   * The digest blanks secrets, so a version whose only change is a secret (an admin token, a cluster secret, a
   * file's new contents) is told apart here.
   */
  private static boolean sameSecrets(GatehouseConfig next, GatehouseConfig running) {
    return next.admin().equals(running.admin()) && next.cluster().equals(running.cluster())
        && java.util.Objects.equals(next.sessionKey(), running.sessionKey());
  }

  private Future<ReloadOutcome> switchTo(PreparedVersion p) {
    String unprotected = cluster == null ? null : cluster.unprotected(p.config().cluster());
    if (unprotected != null) {
      return Future.succeededFuture(refuse(List.of(unprotected)));
    }
    LOG.info("applying configuration version " + (version.number() + 1) + ": " + p.diff().summary());
    // against what started, not the last version: a change undone is no change, one still pending is said again
    ConfigDiff.between(startedWith, p.config()).needRestart()
        .forEach(what -> LOG.warning("reload: a change to " + what + " takes effect at restart"));
    return reconciler.apply(p).map(errors -> {
      if (!errors.isEmpty()) {
        return refuse(errors);
      }
      GatehouseConfig before = config;
      config = p.config();
      rekey(before, config);
      version = version.next(p.result());
      if (before.reload().scanPeriodMs() != config.reload().scanPeriodMs()) {
        rescan(config.reload().scanPeriodMs());
      }
      lastError = null;
      publish();
      if (tokenWatch != null) {
        tokenWatch.watch(config.admin().tokenFile(), config.admin().token());
      }
      LOG.info("configuration version " + version.number() + " applied");
      publishVersion();
      return new ReloadOutcome(version.number(), true, List.of());
    });
  }

  /** A new {@code reload.scan_period_ms}: the configuration file and every certificate watched at that pace. */
  private void rescan(long periodMs) {
    if (source == null) {
      return;
    }
    source.close();
    if (tokenWatch != null) {
      tokenWatch.close();
    }
    scan(periodMs);
    listeners.watchCertificates(periodMs);
  }

  /** New secrets seal, sign, open and verify from this version on; the others stop. */
  private void rekey(GatehouseConfig before, GatehouseConfig next) {
    if (sameSecrets(next, before)) {
      return;
    }
    services.cookies().rekey(cookieKeys.signing(next), cookieKeys.verifying(next));
    SessionTickets.useSecret(cookieKeys.ticketSecret(next), cookieKeys.ticketSecretField());
    LOG.info("reload: tls session tickets now sealed with hourly keys from " + cookieKeys.ticketSource(next));
    if (cluster != null) {
      cluster.rekey(next.cluster());
    }
    LOG.info("reload: cluster and cookie keys now " + cookieKeys.describe(next));
  }

  /**
   * The reload scan at {@code periodMs} (0: none, reloads on demand only): the configuration file's text, and the
   * token file it names, whose content is not in the text.
   */
  private void scan(long periodMs) {
    source = new ConfigSource(vertx, configFile, periodMs, this::reloadText);
    tokenWatch = null;
    if (periodMs > 0) {
      tokenWatch = new TokenFileWatch(vertx, periodMs, this::reload);
      tokenWatch.watch(config.admin().tokenFile(), config.admin().token());
    }
  }

  private ReloadOutcome refuse(List<String> errors) {
    errors.forEach(e -> {
      LOG.warning("reload refused: " + e);
      System.err.println(e); // the contract's config error: lines go to stderr, at start-up and on reload alike
    });
    lastError = List.copyOf(errors);
    publish();
    return new ReloadOutcome(version.number(), false, lastError);
  }

  // --- timers ---

  /**
   * Once a second: slow-start ramps, expired sticky entries, quiet clients forgotten, certificates close to expiry
   * (a reload or a replaced file serves new ones without a hook of its own: seen within a second).
   */
  private void tick() {
    pools.tick();
    listeners.sweepClients();
    expiryWarnings.check(view.get().listeners(), java.time.Instant.now());
    SessionTickets.rotate();
  }

  private void refreshAddresses() {
    GatehouseConfig c = config;
    vertx.executeBlocking(() -> resolver.refresh(PoolSet.allMembers(c))).onSuccess(changed -> {
      if (changed) {
        pools.addressesChanged();
      }
    });
  }

  // --- member overrides (admin API) ---

  /**
   * Sets ({@code o}) or clears (null) the override of the member of {@code pool} with this address and port, on
   * this node at once and on every node through the cluster. Any thread.
   *
   * @return the member with the override applied, or null when the pool or the member is unknown
   */
  public Future<Member> override(String pool, String address, int port, MemberOverride o, String caller) {
    Promise<Member> done = Promise.promise();
    context.runOnContext(v -> {
      Pool p = registry.get(pool);
      Member m = p == null ? null : p.memberAt(address, port);
      if (m != null) {
        pools.override(pool, m.id(), o);
        LOG.info("pool " + pool + ": member " + m.id() + ": " + (o == null ? "override cleared"
            : "override " + o.action().name().toLowerCase(java.util.Locale.ROOT)
            + (o.weight() == null ? "" : " weight " + o.weight())) + " by " + caller);
      }
      done.complete(m);
    });
    return done.future();
  }

  // --- stop ---

  /** The Vert.x UDP listeners run on: the gateway's, or on io_uring one of their own on epoll (event loop only). */
  public Vertx datagramVertx() {
    return listeners.datagramVertx();
  }

  /**
   * Stops accepting on every listener at once, lets open connections and sessions end for up to drain_timeout,
   * then closes what is left (each listener's stop does the waiting). Any thread.
   */
  public Future<Void> drain() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      phase = RuntimeView.Phase.DRAINING;
      publish();
      if (source != null) {
        source.close();
      }
      if (tokenWatch != null) {
        tokenWatch.close();
      }
      if (cluster == null) {
        pools.stopHealth();
      }
      // in a cluster this node probes its share of the members until it leaves: nobody else does meanwhile
      listeners.drainAll().onComplete(ar -> pools.stopHealth()).onComplete(done);
    });
    return done.future();
  }
}
