package io.gatehouse.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.config.YamlConfigBuilder;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.gatehouse.config.ClusterSecret;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Joins the cluster: reads the Hazelcast configuration ({@code --cluster-config}, XML or YAML) with its
 * {@code ${gatehouse.cluster.*}} values from the environment, builds a clustered Vert.x on Hazelcast, then
 * agrees on the cookie signing key and waits for the shared state before the gateway serves.
 */
public final class ClusterBootstrap {

  private static final Logger LOG = Logger.getLogger(ClusterBootstrap.class.getName());
  private static final String SECRETS = "gatehouse.secrets";
  private static final int WRITE_QUEUE = 65_536;
  /** Logs "Cluster name: ..." at INFO on start; held here, as JUL keeps loggers (and their level) weakly. */
  private static final Logger HAZELCAST_SYSTEM = Logger.getLogger("com.hazelcast.system");

  private ClusterBootstrap() {
  }

  /**
   * Starts a clustered Vert.x for node {@code nodeName}; fails when the configuration cannot be read, or when
   * members of the list refused this node (another cluster name or secret) and it would be alone.
   *
   * @param secret {@code cluster.secret}, or null: the cluster name is then the configured one
   */
  public static Future<ClusterNode> start(String nodeName, Path clusterConfig, ClusterSecret secret,
      VertxOptions options) {
    Config config;
    try {
      config = load(clusterConfig, properties(System.getenv(), System.getProperties()));
    } catch (IOException | RuntimeException e) {
      return Future.failedFuture(new IllegalArgumentException(
          "cluster configuration " + clusterConfig + ": " + e.getMessage(), e));
    }
    String name = config.getClusterName();
    if (secret != null) {
      config.setClusterName(secret.clusterName(name));
      // Hazelcast starts each log line with the cluster name, which is now as good as the secret for joining
      config.setProperty("hazelcast.logging.details.enabled", "false");
      HAZELCAST_SYSTEM.setLevel(Level.WARNING);
    }
    // named, not Hazelcast's default "_hzInstance_N_<cluster name>", which would show the name in thread names
    config.setInstanceName("gatehouse-" + nodeName + "-" + UUID.randomUUID().toString().substring(0, 8));
    config.getMemberAttributeConfig().setAttribute(HazelcastView.NODE_ATTRIBUTE, nodeName);
    MemberAllowList allowed = MemberAllowList.of(config);
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    JoinRefusals refusals = JoinRefusals.listen(config.getInstanceName());
    long started = System.nanoTime();
    String joined = "cluster '" + name + "'" + (secret != null ? " (name derived from cluster.secret)" : "");
    return io.gatehouse.vertx.VertxTransports.builder(options).withClusterManager(manager).buildClustered()
        .eventually(() -> {
          refusals.close();
          return Future.succeededFuture();
        })
        .compose(vertx -> vertx.executeBlocking(() -> {
          HazelcastInstance hz = manager.getHazelcastInstance();
          checkAdmitted(hz, refusals.refusedBy(), secret != null);
          ClusterNode node = new ClusterNode(vertx, hz, nodeName, allowed, new ClusterWriter(WRITE_QUEUE),
              sharedKey(hz));
          int entries = node.fill();
          LOG.info("cluster: node " + nodeName + " joined " + joined + " in "
              + (System.nanoTime() - started) / 1_000_000 + " ms; members " + node.view().members()
              + "; " + entries + " shared entries");
          return node;
        }).onFailure(e -> vertx.close()));
  }

  /**
   * Refused by members of the list and alone: serving would route with state of its own, beside the cluster it
   * was meant to join, so the start fails. Refused by some but joined to others: only a warning.
   */
  private static void checkAdmitted(HazelcastInstance hz, List<String> refusedBy, boolean secret) {
    if (refusedBy.isEmpty()) {
      return;
    }
    String why = "refused by " + String.join(", ", refusedBy) + ": their cluster has another name"
        + (secret ? " or another cluster.secret" : " or uses a cluster.secret this node lacks");
    if (hz.getCluster().getMembers().size() == 1) {
      throw new IllegalStateException("cluster error: " + why + "; not serving alone");
    }
    LOG.warning("cluster: " + why);
  }

  /**
   * The {@code ${gatehouse.cluster.*}} values: system properties first, then GATEHOUSE_CLUSTER_* environment
   * variables, then a single node on 127.0.0.1:5701 in cluster {@code gatehouse}.
   */
  static Properties properties(Map<String, String> env, Properties system) {
    Properties p = new Properties();
    String port = value("port", "5701", env, system);
    String iface = value("interface", "127.0.0.1", env, system);
    p.setProperty("gatehouse.cluster.port", port);
    p.setProperty("gatehouse.cluster.interface", iface);
    p.setProperty("gatehouse.cluster.name", value("name", "gatehouse", env, system));
    p.setProperty("gatehouse.cluster.members", value("members", "127.0.0.1:" + port, env, system));
    return p;
  }

  private static String value(String name, String fallback, Map<String, String> env, Properties system) {
    String v = system.getProperty("gatehouse.cluster." + name);
    if (v == null || v.isBlank()) {
      v = env.get("GATEHOUSE_CLUSTER_" + name.toUpperCase());
    }
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  static Config load(Path file, Properties properties) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      String name = file.getFileName().toString();
      Config c = name.endsWith(".yaml") || name.endsWith(".yml")
          ? new YamlConfigBuilder(in).setProperties(properties).build()
          : new XmlConfigBuilder(in).setProperties(properties).build();
      return c;
    }
  }

  /** Blocking: the first node to join stores a random key; every later one reads it. */
  private static byte[] sharedKey(HazelcastInstance hz) {
    byte[] mine = new byte[32];
    new SecureRandom().nextBytes(mine);
    IMap<String, byte[]> secrets = hz.getMap(SECRETS);
    byte[] existing = secrets.putIfAbsent("cookie", mine);
    return existing != null ? existing : mine;
  }
}
