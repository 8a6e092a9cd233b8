package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real partition between two {@code target/gatehouse.jar} cluster nodes: iptables drops their Hazelcast traffic
 * ({@link Partition}) while clients and members still reach both. The cluster is AP (README "Cluster"): each side
 * drops the other after the heartbeat timeout, keeps routing with the state it holds and probes every member
 * itself; once the cut heals, Hazelcast merges the two and both sides hold what either learned, agreeing on what
 * both learned differently. Skipped where iptables is missing or not permitted (root or CAP_NET_ADMIN needed).
 */
class ClusterPartitionIT {

  private static final Duration JOIN = Duration.ofSeconds(60);
  /** Heartbeat timeout 5 s (cluster/hazelcast.xml), with room on a busy machine. */
  private static final Duration SPLIT = Duration.ofSeconds(20);
  /** Hazelcast looks for the other side every 10 s after the first 10 s, then merges. */
  private static final Duration MERGE = Duration.ofSeconds(45);
  private static final Duration HEALTH = Duration.ofSeconds(5);
  private static final String BOTH = "members [gw-0, gw-1]";

  private static Backends backends;
  private static Backends.Member[] web;
  private static Backends.Member[] tcp;
  private static final JarNode[] nodes = new JarNode[2];
  /** Per node: the app (APP_COOKIE) and tcp (SOURCE_IP) listener ports. */
  private static final int[][] ports = new int[2][2];

  /** Why no partition can be made here, or null: the test is then skipped, saying so. */
  private static String unavailable;

  @BeforeAll
  static void start() throws Exception {
    unavailable = Partition.unavailable();
    if (unavailable != null) {
      return;
    }
    Path dir = Files.createTempDirectory("gatehouse-partition-it");
    backends = new Backends();
    web = new Backends.Member[] {backends.http("w1"), backends.http("w2"), backends.http("w3")};
    tcp = new Backends.Member[] {backends.tcpEcho("t1"), backends.tcpEcho("t2"), backends.tcpEcho("t3")};
    for (int i = 0; i < 2; i++) {
      ports[i] = new int[] {TestPorts.free(), TestPorts.free()};
      nodes[i] = new JarNode(dir, "gw-" + i, config(i));
    }
    // a trial cut before any node runs: adding and removing the rules must work here, or the test cannot
    try (Partition trial = Partition.cut(hazelcastPorts())) {
      // rules in place: removed again at once
    } catch (IllegalStateException e) {
      unavailable = "iptables refuses this test's rules: " + e.getMessage();
      return;
    }
    String cluster = "gatehouse-partition-" + UUID.randomUUID();
    String members = "127.0.0.1:" + nodes[0].hazelcastPort + ",127.0.0.1:" + nodes[1].hazelcastPort;
    for (JarNode n : nodes) {
      n.launch(cluster, members);
    }
    for (JarNode n : nodes) {
      n.awaitLog(BOTH, JOIN);
      n.awaitLog("gatehouse ready", JOIN);
    }
  }

  @BeforeEach
  void partitionsCanBeMade() {
    assumeTrue(unavailable == null, () -> "no network partition can be made on this machine: " + unavailable);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    for (JarNode n : nodes) {
      if (n != null) {
        n.stop();
      }
    }
    if (backends != null) {
      backends.close();
    }
  }

  private static int[] hazelcastPorts() {
    return new int[] {nodes[0].hazelcastPort, nodes[1].hazelcastPort};
  }

  private static String config(int i) {
    return ClusterJson.head("gw-" + i) + "\"listeners\":["
        + ClusterJson.listener("app", "HTTP", ports[i][0], "app") + ","
        + ClusterJson.listener("tcp", "TCP", ports[i][1], "tcp") + "],\"pools\":["
        + ClusterJson.appCookiePool("app", web) + "," + ClusterJson.sourceIpPool("tcp", "", tcp) + "]}";
  }

  @Test
  void eachSideKeepsServingAndStickinessDuringAPartitionAndTheyConvergeAfterIt() throws Exception {
    // before: one cluster, state learned on one node is used by the other
    String client = greeting(0, "127.0.0.50");
    assertEquals(client, greeting(1, "127.0.0.50"));
    String before = learn(0, "before", null);
    awaitRoutes(1, "before", before, Duration.ofSeconds(5));

    String onlyOn0;
    String onlyOn1;
    String both0;
    String both1;
    try (Partition cut = Partition.cut(hazelcastPorts())) {
      nodes[0].awaitLog("members [gw-0]", SPLIT);
      nodes[1].awaitLog("members [gw-1]", SPLIT);
      // each side serves the clients it knows as before
      for (int i = 0; i < 2; i++) {
        assertEquals(client, greeting(i, "127.0.0.50"), "SOURCE_IP client through gw-" + i);
        assertEquals(before, routed(i, "before"), "APP_COOKIE client through gw-" + i);
      }
      // a new SOURCE_IP client: both sides pick by the same hash, so they agree without talking
      assertEquals(greeting(0, "127.0.0.60"), greeting(1, "127.0.0.60"));
      // what one side learns now, it keeps to: its own clients stay on their members
      onlyOn0 = learn(0, "only-0", null);
      onlyOn1 = learn(1, "only-1", null);
      // and one client learned on both sides, by a different member on each: a conflict for the merge
      both0 = learn(0, "both", "before");
      String elsewhere = onlyOn1.equals(before) ? "only-1b" : "only-1";
      if (onlyOn1.equals(before)) {
        learn(1, elsewhere, null); // round robin: the next pick is another member
      }
      both1 = learn(1, "both", elsewhere);
      assertNotEquals(both0, both1);
      for (int round = 0; round < 3; round++) {
        assertEquals(onlyOn0, routed(0, "only-0"));
        assertEquals(onlyOn1, routed(1, "only-1"));
        assertEquals(both0, routed(0, "both"));
        assertEquals(both1, routed(1, "both"));
      }
      // each side probes every member itself: a member going down is seen on both
      Backends.Member down = tcp[2];
      down.stop();
      try {
        for (JarNode n : nodes) {
          n.awaitLog("member 127.0.0.1:" + down.port() + ": ONLINE -> OFFLINE", HEALTH);
        }
      } finally {
        down.start();
      }
      for (JarNode n : nodes) {
        n.awaitLog("member 127.0.0.1:" + down.port() + ": OFFLINE -> ONLINE", HEALTH);
      }
    }

    // healed: one cluster again, and both sides hold what either learned
    for (JarNode n : nodes) {
      n.awaitLog(BOTH, 2, MERGE);
    }
    awaitRoutes(1, "only-0", onlyOn0, MERGE);
    awaitRoutes(0, "only-1", onlyOn1, MERGE);
    // learned differently on each side: the merge keeps one mapping, the same on both
    Await.until(MERGE, () -> tryRouted(0, "both") != null && tryRouted(0, "both").equals(tryRouted(1, "both")),
        () -> "sid=both routed to " + tryRouted(0, "both") + " by gw-0 and " + tryRouted(1, "both") + " by gw-1");
    assertTrue(Set.of(both0, both1).contains(routed(0, "both")), routed(0, "both"));
    for (int i = 0; i < 2; i++) {
      assertEquals(client, greeting(i, "127.0.0.50"));
      assertEquals(before, routed(i, "before"));
    }
  }

  /** Waits until node {@code i} routes {@code sid} to {@code member}. */
  private static void awaitRoutes(int i, String sid, String member, Duration limit) {
    Await.until(limit, () -> member.equals(tryRouted(i, sid)), () -> "gw-" + i + " does not route sid=" + sid
        + " to " + member + " but to " + tryRouted(i, sid));
  }

  /**
   * A request through node {@code i} whose member sets the cookie {@code sid}: the member the gateway learns it for,
   * the one that {@code via} (a known sid, or null for the balancer's pick) leads to.
   */
  private static String learn(int i, String sid, String via) {
    return get(i, "/set/sid/" + sid, via == null ? null : "sid=" + via).header("X-Member");
  }

  private static String routed(int i, String sid) {
    return get(i, "/who", "sid=" + sid).header("X-Member");
  }

  private static String tryRouted(int i, String sid) {
    return NodeClients.orNull(() -> routed(i, sid));
  }

  private static String greeting(int i, String client) {
    return NodeClients.greeting(ports[i][1], client);
  }

  private static RawHttp.Response get(int i, String path, String cookie) {
    return NodeClients.get(ports[i][0], path, cookie);
  }
}
