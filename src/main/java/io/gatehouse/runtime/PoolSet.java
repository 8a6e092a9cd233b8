package io.gatehouse.runtime;

import io.gatehouse.cluster.ClusterNode;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.HealthShare;
import io.gatehouse.health.ProbeClients;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.gatehouse.session.StickyTable;
import io.gatehouse.tls.MemberTls;
import io.vertx.core.Vertx;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The pools and their health checkers, by pool name. Runtime context only; listeners read the pools through
 * the {@link PoolRegistry} (a concurrent map), everyone else through the {@link RuntimeView}.
 */
final class PoolSet {

  private static final int MAX_STICKY_ENTRIES = 1_000_000;
  private static final Logger LOG = Logger.getLogger(PoolSet.class.getName());

  private final Vertx vertx;
  private final ClusterNode cluster;
  private final MemberResolver resolver;
  private final PoolRegistry registry;
  private final Map<String, HealthChecker> health = new LinkedHashMap<>();
  private ProbeClients probeClients;

  /** @param cluster this node's membership of the cluster, or null when standalone */
  PoolSet(Vertx vertx, ClusterNode cluster, MemberResolver resolver, PoolRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
    this.cluster = cluster;
    this.resolver = resolver;
  }

  /** The health checkers, live: the cluster applies shared status changes to them on the Runtime context. */
  Map<String, HealthChecker> health() {
    return health;
  }

  /**
   * A new pool: unreferenced until a listener that names it is swapped in; its probes start at once, with
   * {@code memberTls} (HTTPS pools; else null).
   */
  void add(PoolConfig pc, MemberTls memberTls) {
    if (probeClients == null) {
      probeClients = new ProbeClients(vertx);
    }
    StickyTable sticky = cluster != null
        ? cluster.stickyTable(pc.name(), MAX_STICKY_ENTRIES)
        : StickyTable.local(MAX_STICKY_ENTRIES);
    Pool pool = new Pool(pc, sticky, resolver::resolve, cluster != null);
    pool.useMemberTls(memberTls);
    registry.put(pool);
    HealthChecker checker = new HealthChecker(vertx, pool, probeClients,
        cluster != null ? cluster.health() : HealthShare.LOCAL);
    health.put(pc.name(), checker);
    checker.start();
  }

  /** A changed pool, in place: its members keep counters, health and sticky entries. */
  void update(PoolConfig pc) {
    registry.get(pc.name()).apply(pc, resolver::resolve);
    health.get(pc.name()).update(pc);
  }

  /**
   * The member TLS settings of a version being applied, or of the running one read again: a pool whose settings
   * or CA bytes changed gets the new ones (new member connections), the others keep theirs and their connections.
   */
  void useMemberTls(Map<String, MemberTls> next) {
    for (Pool p : registry.all()) {
      MemberTls t = next.get(p.name());
      MemberTls now = p.memberTls();
      if (t == null ? now != null : !t.sameAs(now)) {
        p.useMemberTls(t);
        if (now != null && t != null) {
          LOG.info("pool " + p.name() + ": new member TLS settings for new member connections and probes");
        }
      }
    }
  }

  void remove(String name) {
    registry.remove(name);
    HealthChecker checker = health.remove(name);
    if (checker != null) {
      checker.stop();
    }
  }

  /** Once a second: slow-start ramps and expired sticky entries. */
  void tick() {
    for (Pool p : registry.all()) {
      if (p.snapshot().rampingUp()) {
        p.rebuild();
      }
      p.sticky().sweep();
    }
  }

  /** Member host names resolved again (off the event loops): pools whose addresses moved are rebuilt. */
  void addressesChanged() {
    registry.all().forEach(p -> p.apply(p.config(), resolver::resolve));
  }

  void stopHealth() {
    health.values().forEach(HealthChecker::stop);
  }

  /** The pools in configuration order, for the view. */
  Map<String, Pool> inOrder(GatehouseConfig config) {
    Map<String, Pool> out = new LinkedHashMap<>();
    for (PoolConfig pc : config.pools()) {
      Pool p = registry.get(pc.name());
      if (p != null) {
        out.put(pc.name(), p);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  Map<String, HealthChecker> healthCopy() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(health));
  }

  static List<MemberConfig> allMembers(GatehouseConfig c) {
    return c.pools().stream().flatMap(p -> p.members().stream()).toList();
  }
}
