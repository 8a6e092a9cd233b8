package io.gatehouse.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.config.YamlConfigBuilder;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.gatehouse.config.GatehouseConfig.ClusterConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Joins the cluster: reads the Hazelcast configuration ({@code --cluster-config}, XML or YAML) with its
 * {@code ${gatehouse.cluster.*}} values from the environment, starts an embedded Hazelcast member (member endpoint
 * only) beside an unclustered Vert.x, then waits for the shared state before the gateway serves.
 */
public final class ClusterBootstrap {

  private static final Logger LOG = Logger.getLogger(ClusterBootstrap.class.getName());
  private static final int WRITE_QUEUE = 65_536;

  private ClusterBootstrap() {
  }

  /**
   * Starts Vert.x and a Hazelcast member for node {@code nodeName}; fails when the configuration cannot be read,
   * joins beyond loopback without a secret, or when this node cannot share state with the members: refused at join
   * (another cluster name) and alone, or unable to open any other node's entries (another secret).
   */
  public static Future<ClusterNode> start(String nodeName, Path clusterConfig, ClusterConfig cluster,
      VertxBuilder vertxBuilder) {
    Config config;
    List<String> exposed;
    try {
      config = read(clusterConfig, cluster);
      exposed = MemberAllowList.beyondLoopback(config);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String unprotected = unprotected(exposed, cluster);
    if (unprotected != null) {
      return Future.failedFuture(new IllegalArgumentException(unprotected));
    }
    String name = config.getClusterName();
    if (cluster.secret() == null) {
      LOG.warning(withoutSecret(name));
    }
    // named, not Hazelcast's default "_hzInstance_N_<cluster name>"; also how JoinRefusals tells members apart
    config.setInstanceName("gatehouse-" + nodeName + "-" + UUID.randomUUID().toString().substring(0, 8));
    config.getMemberAttributeConfig().setAttribute(HazelcastView.NODE_ATTRIBUTE, nodeName);
    MemberAllowList allowed = MemberAllowList.of(config);
    JoinRefusals refusals = JoinRefusals.listen(config.getInstanceName());
    long started = System.nanoTime();
    String joined = "cluster '" + name + "'" + (cluster.secret() != null ? ", entries sealed" : ", entries NOT sealed");
    // unclustered: Gatehouse uses neither the event bus nor Vert.x shared data, so no event-bus port is opened
    Vertx vertx = vertxBuilder.build();
    // a thread of its own, not a Vert.x worker: a failure closes Vert.x, and the future must still complete
    CompletableFuture<ClusterNode> joining = CompletableFuture.supplyAsync(() -> {
      HazelcastInstance hz;
      try {
        hz = Hazelcast.newHazelcastInstance(config);
      } finally {
        refusals.close();
      }
      try {
        checkAdmitted(hz, refusals.refusedBy());
        ClusterNode node = new ClusterNode(vertx, hz, nodeName, allowed, new ClusterWriter(WRITE_QUEUE), cluster,
            !exposed.isEmpty());
        int entries = node.fill();
        checkSameSecret(node, cluster);
        node.serving();
        LOG.info("cluster: node " + nodeName + " joined " + joined + " in "
            + (System.nanoTime() - started) / 1_000_000 + " ms; members " + node.view().members()
            + "; " + entries + " shared entries; member endpoint only");
        return node;
      } catch (RuntimeException e) {
        hz.shutdown();
        throw e;
      }
    }, r -> new Thread(r, "gatehouse-cluster-join").start());
    return Future.fromCompletionStage(joining.whenComplete((node, e) -> {
      if (e != null) {
        LOG.log(java.util.logging.Level.WARNING, "cluster: node " + nodeName + " did not start", e);
        vertx.close();
      }
    })).recover(e -> Future.failedFuture(e instanceof java.util.concurrent.CompletionException ? e.getCause() : e));
  }

  /**
   * The {@code config error:} lines of {@code --check} for the cluster part: the Hazelcast file and environment
   * resolved, as a start would.
   */
  public static List<String> check(Path clusterConfig, ClusterConfig cluster) {
    try {
      String unprotected = unprotected(MemberAllowList.beyondLoopback(read(clusterConfig, cluster)), cluster);
      return unprotected == null ? List.of() : List.of(unprotected);
    } catch (IllegalArgumentException e) {
      return List.of(e.getMessage());
    }
  }

  /** The Hazelcast configuration a node runs with: the file, the environment, {@code cluster.name}, hardened. */
  private static Config read(Path clusterConfig, ClusterConfig cluster) {
    try {
      Config config = load(clusterConfig, properties(System.getenv(), System.getProperties()));
      harden(config);
      if (cluster.name() != null) {
        config.setClusterName(cluster.name());
      }
      return config;
    } catch (IOException | RuntimeException e) {
      String m = e.getMessage();
      throw new IllegalArgumentException(m != null && m.startsWith("cluster error:") ? m
          : "cluster error: cluster configuration " + clusterConfig + ": " + m, e);
    }
  }

  /** The start-up warning of a cluster without a secret: what is then open to anyone on the cluster network. */
  static String withoutSecret(String clusterName) {
    return "cluster: no cluster.secret: shared entries travel unsealed and HTTP_COOKIE cookies are signed with a key"
        + " derived from the cluster name '" + clusterName + "', which anyone who knows it can forge; set"
        + " cluster.secret_file (openssl rand -hex 32)";
  }

  /** The error when a node would bind or join beyond loopback with nothing sealed, unless told it may. */
  static String unprotected(List<String> exposed, ClusterConfig cluster) {
    if (exposed.isEmpty() || cluster.secret() != null || cluster.insecure()) {
      return null;
    }
    return "config error: $.cluster.secret: required when the cluster binds or joins beyond loopback ("
        + String.join(", ", exposed) + "): anyone reaching the cluster port could read and steer the shared state;"
        + " set cluster.secret_file (openssl rand -hex 32), or cluster.insecure: true on a network you trust";
  }

  /**
   * Other nodes are there but none of their entries opens here: they seal with another secret (or none, or this
   * node has none). Serving beside them would route on state nobody shares, so the start fails.
   */
  private static void checkSameSecret(ClusterNode node, ClusterConfig cluster) {
    List<String> unopened = node.unopenedNodes();
    if (unopened.isEmpty()) {
      return;
    }
    String why = "the entries of nodes " + unopened + " do not open with this node's "
        + (cluster.secret() == null ? "settings: they are sealed, and this node has no cluster.secret"
        : "cluster.secret or accept_secret_files: they hold another secret, or none");
    if (node.configs().isEmpty()) {
      throw new IllegalStateException("cluster error: " + why + "; not serving beside them");
    }
    LOG.warning("cluster: " + why);
  }

  /**
   * The settings every gateway node runs with, whatever its file says: a member endpoint only (no client, REST or
   * memcache endpoint), a Java serialization allow-list, no shutdown hook (the gateway leaves after draining).
   */
  static void harden(Config config) {
    MemberOnlyNetwork.apply(config);
    CodeExecution.refuse(config);
    config.getSerializationConfig().setJavaSerializationFilterConfig(SerializationAllowList.filter());
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
  }

  /**
   * Refused by members of the list and alone: serving would route with state of its own, beside the cluster it
   * was meant to join, so the start fails. Refused by some but joined to others: only a warning.
   */
  private static void checkAdmitted(HazelcastInstance hz, List<String> refusedBy) {
    if (refusedBy.isEmpty()) {
      return;
    }
    String why = "refused by " + String.join(", ", refusedBy) + ": their cluster has another name";
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
}
