package io.gatehouse.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.HealthShare;
import io.gatehouse.pool.OverrideShare;
import io.gatehouse.session.StickyTable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;

/**
 * This gateway's membership of the cluster: its Vert.x, its Hazelcast member, the view of the live nodes, the shared
 * sticky tables and health, the seal of shared entries, and the writer thread. Built by
 * {@link ClusterBootstrap}; closed after the gateway drained.
 */
public final class ClusterNode {

  /** How long queued writes may still reach the cluster when leaving. */
  private static final long FLUSH_MILLIS = 2_000;

  private final Vertx vertx;
  private final HazelcastView view;
  private final ClusterWriter writer;
  private final SharedSticky sticky;
  private final SharedHealth health;
  private final SharedOverrides overrides;
  /** Each node's running configuration ({@code version digest}) by node name: drift shows in the status. */
  private final SharedConfigs configs;
  private final String nodeName;
  private final HazelcastInstance hz;
  private final RejectedEntries rejected = new RejectedEntries();
  private final boolean beyondLoopback;
  /** Swapped by a reload that changes the secrets; read by every seal and open. */
  private volatile EntrySeal seal;

  ClusterNode(Vertx vertx, HazelcastInstance hz, String nodeName, MemberAllowList allowed, ClusterWriter writer,
      ClusterConfig config, boolean beyondLoopback) {
    this.vertx = vertx;
    this.nodeName = nodeName;
    this.hz = hz;
    this.beyondLoopback = beyondLoopback;
    this.seal = EntrySeal.of(config.secret(), config.accepted());
    this.writer = writer;
    this.configs = new SharedConfigs(hz, writer, this::seal, rejected);
    this.view = new HazelcastView(hz, nodeName, allowed, configs::proven);
    configs.onNodesChanged(view::entriesChanged);
    this.sticky = new SharedSticky(hz, writer, this::seal, rejected);
    this.health = new SharedHealth(hz, view, writer, this::seal, rejected);
    this.overrides = new SharedOverrides(hz, writer, this::seal, rejected);
  }

  private EntrySeal seal() {
    return seal;
  }

  /**
   * Seals with {@code config}'s secret and opens with it and its accepted ones from now on (a reload). Entries
   * already applied here stay; the entries this node owns that an older secret sealed are sealed again under the
   * new one (its configuration entry, the verdicts of the members it probes, the sticky entries whose key it owns),
   * so that dropping the old secret at the end of a rotation leaves nothing unreadable behind; entries only the
   * dropped secrets open are ignored from now on.
   */
  public void rekey(ClusterConfig config) {
    seal = EntrySeal.of(config.secret(), config.accepted());
    configs.reseal(nodeName);
    health.reseal();
    overrides.reseal(nodeName);
    sticky.reseal(k -> nodeName.equals(Rendezvous.owner(view.members(), k)));
  }

  /** The Hazelcast cluster name this node joined. */
  public String clusterName() {
    return hz.getConfig().getClusterName();
  }

  /**
   * The {@code config error:} line refusing a reload to {@code next}, or null: a node that binds or joins beyond
   * loopback keeps a secret unless {@code cluster.insecure} says otherwise.
   */
  public String unprotected(ClusterConfig next) {
    return beyondLoopback ? ClusterBootstrap.unprotected(List.of("as at start"), next) : null;
  }

  /** Entries ignored, by map and reason ({@code gatehouse_cluster_rejected_total}). */
  public RejectedEntries rejected() {
    return rejected;
  }

  /** Nodes whose configuration entry did not open here (another secret); those that did, by name. */
  java.util.List<String> unopenedNodes() {
    return configs.unopened();
  }

  /** The node passed its start checks and serves. */
  void serving() {
    view.serving();
  }

  /** Blocking: waits until this node holds the cluster's sticky entries and statuses; returns their count. */
  int fill() {
    return sticky.fill() + health.fill() + overrides.map.size();
  }

  public Vertx vertx() {
    return vertx;
  }

  public ClusterView view() {
    return view;
  }

  /** A pool's sticky table shared with the other nodes, starting with the entries they hold. */
  public StickyTable stickyTable(String pool, int maxEntries) {
    return sticky.table(pool, maxEntries);
  }

  /** Who probes which member, and where status changes go. */
  public HealthShare health() {
    return health;
  }

  /** Member overrides set on any node: published here, applied through the sink given to {@link #attach}. */
  public OverrideShare overrides() {
    return overrides;
  }

  /**
   * Status changes, probe requests and owner changes are applied to these checkers on the Runtime context, and
   * member overrides (those in the cluster already, then each change) to {@code overrideSink}.
   */
  public void attach(Context runtimeContext, Map<String, HealthChecker> checkers, OverrideShare.Sink overrideSink) {
    health.attach(runtimeContext, checkers);
    overrides.attach(runtimeContext, overrideSink);
  }

  /** Publishes this node's running configuration version (through the writer: never blocks the caller). */
  public void publishConfig(int version, String digest) {
    configs.publish(nodeName, version, digest);
  }

  /** Every node's published configuration as {@code version digest}, by node name (a local read). */
  public Map<String, String> configs() {
    return configs.all();
  }

  /** The one writer's counts: writes done and their total time, dropped writes. */
  public ClusterWriter writer() {
    return writer;
  }

  /** Stops listening, lets queued writes finish and leaves the cluster; the caller then closes Vert.x. */
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      try {
        configs.remove(nodeName);
        configs.close();
        sticky.close();
        health.close();
        overrides.close();
        view.close();
      } catch (com.hazelcast.core.HazelcastInstanceNotActiveException gone) {
        // the member stopped under the gateway earlier (see HazelcastView): nothing left to leave
      }
      writer.close(FLUSH_MILLIS);
      hz.shutdown();
      return null;
    });
  }
}
