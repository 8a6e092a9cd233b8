package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.Gateway;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberOverride;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A member override set through one node's admin API reaches every node of a three-node cluster in this JVM
 * (sealed with the cluster secret), a node that joins later applies it, and clearing it on any node clears it
 * everywhere.
 */
class MemberOverrideClusterTest {

  /** How soon after the answer every node applies a change (measured: 10-25 ms on loopback). */
  private static final Duration SPREAD = Duration.ofSeconds(1);
  private static Backends backends;
  private static Backends.Member x;
  private static Backends.Member y;
  private static ClusterNodes cluster;
  private static final int[] PORTS = new int[3];

  @BeforeAll
  static void start() {
    backends = new Backends();
    x = backends.tcpEcho("x");
    y = backends.tcpEcho("y");
    cluster = new ClusterNodes(3);
  }

  @AfterAll
  static void stop() {
    cluster.close();
    backends.close();
  }

  private static String config(int i) {
    PORTS[i] = TestPorts.free();
    return ClusterJson.head("node-" + i) + "\"listeners\":[" + ClusterJson.listener("l", "TCP", PORTS[i], "p")
        + "],\"pools\":[{\"name\":\"p\",\"protocol\":\"TCP\",\"members\":" + Configs.members(x, y) + "}]}";
  }

  private static MemberOverride overrideOf(Gateway g, Backends.Member m) {
    Member member = g.runtime().view().pool("p").memberAt("127.0.0.1", m.port());
    return member == null ? null : member.override();
  }

  @Test
  void anOverrideReachesEveryNodeAndANodeThatJoinsLater() {
    Gateway a = cluster.start(0, config(0));
    Gateway b = cluster.start(1, config(1));
    Await.until(Duration.ofSeconds(30), () -> a.runtime().view().cluster().size() == 2
        && b.runtime().view().cluster().size() == 2, "two nodes");

    long t0 = System.nanoTime();
    RawHttp.Response r = NodeClients.admin(a, "POST", "/api/v1/pools/p/members/127.0.0.1%3A" + x.port() + "/drain");
    assertEquals(200, r.status(), r.body());
    long t1 = System.nanoTime();
    Await.until(SPREAD, () -> overrideOf(b, x) != null, "node-1 applies node-0's drain");
    System.out.println("override: answered by node-0 in " + (t1 - t0) / 1_000_000 + " ms, seen on node-1 "
        + (System.nanoTime() - t1) / 1_000_000 + " ms later");
    MemberOverride seen = overrideOf(b, x);
    assertEquals(MemberOverride.Action.DRAIN, seen.action());
    assertEquals("node-0", seen.node());
    assertEquals("127.0.0.1", seen.by());
    for (int i = 0; i < 3; i++) {
      assertEquals("y", NodeClients.greeting(PORTS[1], "127.0.0.1"), "node-1 sends nothing new to x");
    }

    Gateway c = cluster.start(2, config(2));
    assertEquals(overrideOf(a, x), overrideOf(c, x), "the node that joined later applies it from its start");
    assertTrue(c.runtime().view().pool("p").memberAt("127.0.0.1", x.port()).draining());
    try (TcpClient client = TcpClient.connect(PORTS[2])) {
      assertEquals("y", client.readLine(), "and routes by it");
    }

    r = NodeClients.admin(c, "POST", "/api/v1/pools/p/members/127.0.0.1:" + y.port() + "/weight");
    assertEquals(400, r.status(), "no body: " + r.body());
    r = NodeClients.admin(c, "DELETE", "/api/v1/pools/p/members/127.0.0.1:" + x.port() + "/override");
    assertEquals(200, r.status(), r.body());
    for (Gateway g : List.of(a, b, c)) {
      Await.until(SPREAD, () -> overrideOf(g, x) == null, () -> g.runtime().view().nodeName()
          + " clears the override cleared on node-2");
      Await.until(SPREAD, () -> !g.runtime().view().pool("p").memberAt("127.0.0.1", x.port()).draining(),
          "and x takes traffic again");
    }
  }
}
