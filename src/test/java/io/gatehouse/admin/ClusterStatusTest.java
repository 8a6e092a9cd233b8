package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.Gateway;
import io.gatehouse.cluster.ClusterNodes;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The status document's view of the cluster's configurations: {@code config.digest} and, per node,
 * {@code cluster.nodes[].drift}, with two real nodes in this JVM.
 */
class ClusterStatusTest {

  private static final Duration SOON = Duration.ofSeconds(30);

  /** A node with no listeners: its own name and admin port, {@code extra} top-level fields. */
  static String config(String name, int adminPort, String extra) {
    return "{\"node\":{\"name\":\"" + name + "\",\"event_loops\":1},\"admin\":{\"port\":" + adminPort + "},"
        + "\"reload\":{\"scan_period_ms\":0}," + extra + "\"access_log\":false,\"listeners\":[],\"pools\":[]}";
  }

  @Test
  void eachNodeSaysWhetherItRunsAnotherConfigurationThanThisNode() {
    try (ClusterNodes cluster = new ClusterNodes(2)) {
      Gateway a = cluster.start(0, config("gw-a", TestPorts.free(), ""));
      int bAdmin = TestPorts.free();
      Gateway b = cluster.start(1, config("gw-b", bAdmin, ""));
      AdminClient admin = new AdminClient(a.adminPort(), null);
      Await.until(SOON, () -> node(admin, "gw-b") != null, () -> "gw-b in " + admin.json("/api/v1/status"));

      // named apart, on admin ports of their own, otherwise the same file: no drift
      JsonObject status = admin.json("/api/v1/status");
      String digest = status.getJsonObject("config").getString("digest");
      assertEquals(64, digest.length(), status.encode());
      for (String name : new String[] {"gw-a", "gw-b"}) {
        JsonObject node = node(admin, name);
        assertEquals(digest, node.getString("config_digest"), node.encode());
        assertEquals(1, node.getInteger("config_version"), node.encode());
        assertFalse(node.getBoolean("drift"), node.encode());
      }

      assertTrue(cluster.reload(b, config("gw-b", bAdmin, "\"drain_timeout\":2,")).changed());
      Await.until(SOON, () -> node(admin, "gw-b").getBoolean("drift"),
          () -> "gw-b drifts in " + admin.json("/api/v1/status"));
      JsonObject drifted = node(admin, "gw-b");
      assertEquals(2, drifted.getInteger("config_version"), drifted.encode());
      assertFalse(node(admin, "gw-a").getBoolean("drift"), "this node never drifts from itself");
      assertEquals(drifted.getString("config_digest"),
          new AdminClient(b.adminPort(), null).json("/api/v1/status").getJsonObject("config").getString("digest"),
          "gw-b's own digest is what the cluster sees of it");
    }
  }

  /** Node {@code name} in the status document's {@code cluster.nodes}, or null. */
  private static JsonObject node(AdminClient admin, String name) {
    return admin.json("/api/v1/status").getJsonObject("cluster").getJsonArray("nodes").stream()
        .map(JsonObject.class::cast).filter(n -> name.equals(n.getString("name"))).findFirst().orElse(null);
  }
}
