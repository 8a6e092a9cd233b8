package io.gatehouse.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One whole, validated configuration version: the only shape configuration takes past {@link ConfigParser}.
 * Every record below it is immutable, has its defaults applied and compares by value, so that
 * {@code ConfigDiff} can tell changed from unchanged by {@code equals}.
 */
public record GatehouseConfig(
    NodeConfig node,
    AdminConfig admin,
    ClusterConfig cluster,
    ReloadConfig reload,
    Duration drainTimeout,
    boolean accessLog,
    List<ListenerConfig> listeners,
    List<PoolConfig> pools,
    ClusterSecret sessionKey,
    LogConfig log,
    RsaSigner rsaSigner) {

  public GatehouseConfig {
    listeners = List.copyOf(listeners);
    pools = List.copyOf(pools);
  }

  /** With the default {@code tls_rsa_signer}. */
  public GatehouseConfig(NodeConfig node, AdminConfig admin, ClusterConfig cluster, ReloadConfig reload,
      Duration drainTimeout, boolean accessLog, List<ListenerConfig> listeners, List<PoolConfig> pools,
      ClusterSecret sessionKey, LogConfig log) {
    this(node, admin, cluster, reload, drainTimeout, accessLog, listeners, pools, sessionKey, log, RsaSigner.OPENSSL3);
  }

  /** With the default {@code log} section. */
  public GatehouseConfig(NodeConfig node, AdminConfig admin, ClusterConfig cluster, ReloadConfig reload,
      Duration drainTimeout, boolean accessLog, List<ListenerConfig> listeners, List<PoolConfig> pools,
      ClusterSecret sessionKey) {
    this(node, admin, cluster, reload, drainTimeout, accessLog, listeners, pools, sessionKey, LogConfig.DEFAULTS);
  }

  /** Without {@code session_key_file}. */
  public GatehouseConfig(NodeConfig node, AdminConfig admin, ClusterConfig cluster, ReloadConfig reload,
      Duration drainTimeout, boolean accessLog, List<ListenerConfig> listeners, List<PoolConfig> pools) {
    this(node, admin, cluster, reload, drainTimeout, accessLog, listeners, pools, null);
  }

  public Optional<PoolConfig> pool(String name) {
    return pools.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  public Optional<ListenerConfig> listener(String name) {
    return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
  }

  /** {@code node}: the node's name in logs and the cluster; event loops serving the listeners. */
  public record NodeConfig(String name, int eventLoops) {}

  /**
   * {@code admin}: where the admin API listens; {@code token} (from {@code admin.token} or the file
   * {@code admin.token_file}) null when the API is open; {@code tls} null for plain HTTP (an added field:
   * {@code admin.tls} takes the listener {@code tls} object); {@code allowedHosts} the names, besides the admin
   * address and loopback, a request's {@code Host} may give (lower case); {@code insecure} true when an API
   * reachable from other hosts was explicitly left without a token; {@code tokenFile} the file the token was read
   * from, null when inline or none (the reload scan watches it).
   */
  public record AdminConfig(String host, int port, String token, TlsConfig tls, List<String> allowedHosts,
      boolean insecure, java.nio.file.Path tokenFile) {

    public AdminConfig {
      allowedHosts = List.copyOf(allowedHosts);
    }

    public AdminConfig(String host, int port, String token, TlsConfig tls) {
      this(host, port, token, tls, List.of(), false, null);
    }

    /**
     * The {@code config error:} message, at {@code $.admin.token}, when this version would leave an API bound on
     * {@code boundHost} (the address a running server keeps until restart) open to other hosts: no token, not
     * {@code insecure}, and that address beyond loopback; else null.
     */
    public String exposedOn(String boundHost, int boundPort) {
      if (token != null || insecure || AdminParser.isLoopback(boundHost)) {
        return null;
      }
      return "the admin API stays bound on " + boundHost + ":" + boundPort + " until a restart, where other hosts"
          + " can reach it: keep token or token_file until then (or set insecure: true to leave it open)";
    }

    /** Whether the two bind the same server (address and TLS): anything else changes in the running one. */
    public boolean sameServer(AdminConfig other) {
      return host.equals(other.host) && port == other.port && java.util.Objects.equals(tls, other.tls);
    }

    /** Redacted like {@link ClusterSecret}: configuration records may be printed whole, the token never. */
    @Override
    public String toString() {
      return "AdminConfig[host=" + host + ", port=" + port + ", token=" + (token == null ? "null" : "[redacted]")
          + ", tls=" + tls + ", allowedHosts=" + allowedHosts + ", insecure=" + insecure + ", tokenFile=" + tokenFile
          + "]";
    }
  }

  /**
   * {@code cluster}: whether to join; {@code name} the Hazelcast cluster name, or null for the Hazelcast file's;
   * {@code secret} (from {@code cluster.secret} or {@code cluster.secret_file}) seals shared entries and signs
   * cookies, null when entries travel unsealed; {@code accepted} ({@code accept_secret_files}) only open and verify;
   * {@code insecure} allows no secret beyond loopback.
   */
  public record ClusterConfig(boolean enabled, String name, ClusterSecret secret, List<ClusterSecret> accepted,
      boolean insecure) {

    public ClusterConfig {
      accepted = List.copyOf(accepted);
    }

    public ClusterConfig(boolean enabled, ClusterSecret secret) {
      this(enabled, null, secret, List.of(), false);
    }

    /** What only a restart changes: membership and the cluster name; secrets are applied by a reload. */
    public boolean sameMembership(ClusterConfig other) {
      return enabled == other.enabled && java.util.Objects.equals(name, other.name);
    }
  }

  public record ReloadConfig(long scanPeriodMs) {}
}
