package io.gatehouse.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.HealthShare;
import io.gatehouse.session.StickyTable;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;

/**
 * This gateway's membership of the cluster: its clustered Vert.x, the view of the live nodes, the shared
 * sticky tables and health, the cookie signing key shared by every node, and the writer thread. Built by
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
  private final byte[] cookieKey;
  /** Each node's running configuration ({@code version digest}) by node name: drift shows in the status. */
  private final ReplicatedMap<String, String> configs;
  private final String nodeName;

  ClusterNode(Vertx vertx, HazelcastInstance hz, String nodeName, MemberAllowList allowed, ClusterWriter writer,
      byte[] cookieKey) {
    this.vertx = vertx;
    this.nodeName = nodeName;
    this.configs = hz.getReplicatedMap("gatehouse.config");
    this.view = new HazelcastView(hz, nodeName, allowed);
    this.writer = writer;
    this.sticky = new SharedSticky(hz, writer);
    this.health = new SharedHealth(hz, view, writer);
    this.cookieKey = cookieKey;
  }

  /** Blocking: waits until this node holds the cluster's sticky entries and statuses; returns their count. */
  int fill() {
    return sticky.fill() + health.fill();
  }

  public Vertx vertx() {
    return vertx;
  }

  public ClusterView view() {
    return view;
  }

  /** The HTTP_COOKIE signing key, the same on every node of the cluster. */
  public byte[] cookieKey() {
    return cookieKey.clone();
  }

  /** A pool's sticky table shared with the other nodes, starting with the entries they hold. */
  public StickyTable stickyTable(String pool, int maxEntries) {
    return sticky.table(pool, maxEntries);
  }

  /** Who probes which member, and where status changes go. */
  public HealthShare health() {
    return health;
  }

  /** Status changes, probe requests and owner changes are applied to these checkers on the Runtime context. */
  public void attach(Context runtimeContext, Map<String, HealthChecker> checkers) {
    health.attach(runtimeContext, checkers);
  }

  /** Publishes this node's running configuration version (through the writer: never blocks the caller). */
  public void publishConfig(int version, String digest) {
    writer.submit(() -> configs.put(nodeName, version + " " + digest));
  }

  /** Every node's published configuration as {@code version digest}, by node name (a local read). */
  public Map<String, String> configs() {
    return Map.copyOf(configs);
  }

  /** The one writer's counts: writes done and their total time, dropped writes. */
  public ClusterWriter writer() {
    return writer;
  }

  /** Stops listening and lets queued writes finish; the caller then closes Vert.x, which leaves the cluster. */
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      configs.remove(nodeName);
      sticky.close();
      health.close();
      view.close();
      writer.close(FLUSH_MILLIS);
      return null;
    });
  }
}
