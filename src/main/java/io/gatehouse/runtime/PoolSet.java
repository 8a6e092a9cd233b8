package io.gatehouse.runtime;

import io.gatehouse.cluster.ClusterNode;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.HealthShare;
import io.gatehouse.health.ProbeClients;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberOverride;
import io.gatehouse.pool.OverrideShare;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.gatehouse.session.StickyTable;
import io.gatehouse.tls.MemberTls;
import io.vertx.core.Vertx;
import java.util.Collections;
import java.util.HashMap;
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
  private final MemberDrains drains;
  /**
   * Member overrides in force by {@code pool \n member}: those set here and those the cluster brought, also for
   * pools or members this node has not loaded yet (a node that joins applies them once its pools exist).
   */
  private final Map<String, MemberOverride> overrides = new HashMap<>();
  private final OverrideShare share;

  /** @param cluster this node's membership of the cluster, or null when standalone */
  PoolSet(Vertx vertx, ClusterNode cluster, MemberResolver resolver, PoolRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
    this.cluster = cluster;
    this.resolver = resolver;
    this.drains = new MemberDrains(vertx);
    this.share = cluster != null ? cluster.overrides() : OverrideShare.LOCAL;
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
    applyOverrides(pool);
    checker.start();
  }

  /**
   * A changed pool, in place: its members keep counters, health, sticky entries and overrides. Removed members
   * drain and lose their overrides, here and in the cluster.
   */
  void update(PoolConfig pc) {
    Pool pool = registry.get(pc.name());
    List<Member> removed = pool.apply(pc, resolver::resolve);
    for (Member m : removed) {
      if (overrides.remove(key(pool.name(), m.id())) != null) {
        m.override(null);
        share.publish(pool.name(), m.id(), null);
      }
    }
    drains.retire(pool, removed);
    health.get(pc.name()).update(pc);
    applyOverrides(pool);
  }

  /** The overrides known for {@code pool}'s members set on them, then drains started or ended to match. */
  private void applyOverrides(Pool pool) {
    for (Member m : pool.members()) {
      m.override(overrides.get(key(pool.name(), m.id())));
    }
    pool.rebuild();
    drains.reconcile(pool);
  }

  /**
   * Sets ({@code o}) or clears (null) the override of a member of this node, and shares it with the cluster.
   *
   * @return the member, or null when the pool or member is unknown
   */
  Member override(String poolName, String memberId, MemberOverride o) {
    Pool pool = registry.get(poolName);
    Member m = pool == null ? null : pool.member(memberId);
    if (m == null) {
      return null;
    }
    shared(poolName, memberId, share.publish(poolName, memberId, o));
    return m;
  }

  /** An override set or cleared on any node (this one included), applied here. */
  void shared(String poolName, String memberId, MemberOverride o) {
    if (o == null) {
      overrides.remove(key(poolName, memberId));
    } else {
      overrides.put(key(poolName, memberId), o);
    }
    Pool pool = registry.get(poolName);
    Member m = pool == null ? null : pool.member(memberId);
    if (m != null && !java.util.Objects.equals(m.override(), o)) {
      m.override(o);
      pool.rebuild();
      drains.reconcile(pool);
    }
  }

  private static String key(String pool, String member) {
    return pool + '\n' + member;
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
    Pool pool = registry.remove(name);
    if (pool != null) {
      for (Member m : pool.members()) {
        if (overrides.remove(key(name, m.id())) != null) {
          share.publish(name, m.id(), null); // its members left the configuration
        }
      }
    }
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
      p.forgetDrained();
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
