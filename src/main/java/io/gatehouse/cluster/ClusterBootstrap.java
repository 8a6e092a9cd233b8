package io.gatehouse.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.config.YamlConfigBuilder;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Properties;
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

  private ClusterBootstrap() {
  }

  /** Starts a clustered Vert.x for node {@code nodeName}; fails when the configuration cannot be read. */
  public static Future<ClusterNode> start(String nodeName, Path clusterConfig, VertxOptions options) {
    Config config;
    try {
      config = load(clusterConfig, properties(System.getenv(), System.getProperties()));
    } catch (IOException | RuntimeException e) {
      return Future.failedFuture(new IllegalArgumentException(
          "cluster configuration " + clusterConfig + ": " + e.getMessage(), e));
    }
    config.getMemberAttributeConfig().setAttribute(HazelcastView.NODE_ATTRIBUTE, nodeName);
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    long started = System.nanoTime();
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
        .compose(vertx -> vertx.executeBlocking(() -> {
          HazelcastInstance hz = manager.getHazelcastInstance();
          ClusterNode node = new ClusterNode(vertx, hz, nodeName, new ClusterWriter(WRITE_QUEUE), sharedKey(hz));
          int entries = node.fill();
          LOG.info("cluster: node " + nodeName + " joined cluster '" + config.getClusterName() + "' in "
              + (System.nanoTime() - started) / 1_000_000 + " ms; members " + node.view().members()
              + "; " + entries + " shared entries");
          return node;
        }).onFailure(e -> vertx.close()));
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
