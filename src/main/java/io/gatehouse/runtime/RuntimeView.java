package io.gatehouse.runtime;

import io.gatehouse.cluster.ClusterNode;
import io.gatehouse.cluster.ClusterView;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.http.StickyCookie;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.pool.Pool;
import java.util.List;
import java.util.Map;

/**
 * What the gateway runs now, as one immutable value: the configuration version, its listeners and pools (each
 * with its live counters), the health checkers and the cluster. The Runtime publishes a new view after every
 * change; the admin API, the metrics and tests read whichever view is current, from any thread, without asking
 * the Runtime. Only the cluster's membership and its nodes' published versions are read live, as they change
 * without a reload.
 */
public final class RuntimeView {

  /** Where the node is in its life: {@code /health} answers 503 STARTING, 200 UP, 503 DRAINING. */
  public enum Phase { STARTING, READY, DRAINING }

  private final String nodeName;
  private final GatehouseConfig config;
  private final ConfigVersion version;
  private final List<String> lastError;
  private final Phase phase;
  private final Map<String, ListenerState> listeners;
  private final List<ListenerState> draining;
  private final Map<String, Pool> pools;
  private final Map<String, HealthChecker> health;
  private final ClusterNode cluster;
  private final StickyCookie cookies;

  RuntimeView(String nodeName, GatehouseConfig config, ConfigVersion version, List<String> lastError, Phase phase,
      Map<String, ListenerState> listeners, List<ListenerState> draining, Map<String, Pool> pools,
      Map<String, HealthChecker> health, ClusterNode cluster, StickyCookie cookies) {
    this.nodeName = nodeName;
    this.config = config;
    this.version = version;
    this.lastError = lastError == null ? null : List.copyOf(lastError);
    this.phase = phase;
    this.listeners = listeners; // the writer hands unmodifiable copies in configuration order
    this.draining = List.copyOf(draining);
    this.pools = pools;
    this.health = health;
    this.cluster = cluster;
    this.cookies = cookies;
  }

  /** The name this node runs under: node.name as read at start (a reload that changes it waits for a restart). */
  public String nodeName() {
    return nodeName;
  }

  public GatehouseConfig config() {
    return config;
  }

  public ConfigVersion version() {
    return version;
  }

  /** The {@code config error:} (or {@code bind error:}) lines of the last refused version, null after a good one. */
  public List<String> lastError() {
    return lastError;
  }

  public Phase phase() {
    return phase;
  }

  /** The running listeners by name, in configuration order. */
  public Map<String, ListenerState> listeners() {
    return listeners;
  }

  /** A running listener, or null. */
  public ListenerState listener(String name) {
    return listeners.get(name);
  }

  /** Listeners removed or replaced by a reload that still drain their connections. */
  public List<ListenerState> draining() {
    return draining;
  }

  /** The pools by name, in configuration order. */
  public Map<String, Pool> pools() {
    return pools;
  }

  /** A pool, or null. */
  public Pool pool(String name) {
    return pools.get(name);
  }

  /** Each pool's health checker by pool name (probe counts, passive ejections). */
  public Map<String, HealthChecker> health() {
    return health;
  }

  /** The signer of HTTP_COOKIE sticky cookies: the route API verifies cookies as the listeners do. */
  public StickyCookie cookies() {
    return cookies;
  }

  /** The cluster for the status document and {@code gatehouse_cluster_members}; no members when standalone. */
  public ClusterView cluster() {
    return cluster != null ? cluster.view() : ClusterView.standalone(nodeName);
  }

  /** Each clustered node's running configuration as {@code version digest}, by node name; empty standalone. */
  public Map<String, String> clusterConfigs() {
    return cluster != null ? cluster.configs() : Map.of();
  }
}
