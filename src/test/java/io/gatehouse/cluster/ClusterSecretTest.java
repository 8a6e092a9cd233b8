package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.Pool;
import io.gatehouse.Gateway;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real Hazelcast members on loopback, TCP-IP join: two nodes with one cluster.secret form the cluster; a node with
 * another secret or none cannot open their entries and its gateway does not start; a node with the secret at an address
 * outside the member list (127.0.0.2) is admitted by Hazelcast OS, and flagged.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSecretTest {

  private static final Duration SOON = Duration.ofSeconds(20);
  private static final String SECRET = "c0ffee-5ecret-for-cluster-secret-test";
  private static final List<String> LOGGED = new CopyOnWriteArrayList<>();
  private static final Handler CAPTURE = new Handler() {
    @Override
    public void publish(LogRecord r) {
      LOGGED.add(r.getLoggerName() + " " + r.getMessage() + " " + java.util.Arrays.toString(r.getParameters()));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  private static ClusterNodes cluster;
  private static Gateway a;
  private static Gateway b;

  @BeforeAll
  static void start() {
    CAPTURE.setLevel(Level.ALL);
    Logger.getLogger("").addHandler(CAPTURE);
    cluster = new ClusterNodes(3);
    a = cluster.start(0, config("s-0", "{\"secret\":\"" + SECRET + "\"}"));
    b = cluster.start(1, config("s-1", "{\"secret\":\"" + SECRET + "\"}"));
    Await.until(SOON, () -> a.runtime().view().cluster().size() == 2 && b.runtime().view().cluster().size() == 2,
        () -> "two members: " + a.runtime().view().cluster().members());
  }

  @AfterAll
  static void stop() {
    cluster.close();
    Logger.getLogger("").removeHandler(CAPTURE);
  }

  private static String config(String name, String clusterObject) {
    return "{\"node\":{\"name\":\"" + name + "\",\"event_loops\":1},\"admin\":{\"port\":" + TestPorts.free() + "},"
        + "\"cluster\":" + clusterObject + ","
        + "\"reload\":{\"scan_period_ms\":0},\"drain_timeout\":1,\"access_log\":false,\"listeners\":[],"
        + "\"pools\":[{\"name\":\"ip\",\"protocol\":\"TCP\",\"session_persistence\":{\"type\":\"SOURCE_IP\"},"
        + "\"members\":[{\"address\":\"127.0.0.1\",\"protocol_port\":9},{\"address\":\"127.0.0.1\",\"protocol_port\":10}]}]}";
  }

  private static Pool pool(Gateway g) {
    return g.runtime().view().pool("ip");
  }

  @Test
  void nodesWithTheSameSecretShareState() {
    pool(a).sticky().record("10.20.30.40", "127.0.0.1:10", Duration.ofMinutes(20));
    Await.until(SOON, () -> "127.0.0.1:10".equals(pool(b).sticky().lookup("10.20.30.40")), "entry on b");
    assertEquals(List.of(), a.runtime().view().cluster().unexpectedMembers());
  }

  @Test
  void aNodeWithAnotherSecretIsRefusedAndDoesNotStart() {
    assertRefused(config("s-wrong", "{\"secret\":\"not-the-" + SECRET + "\"}"),
        "cluster.secret or accept_secret_files: they hold another secret, or none");
  }

  @Test
  void aNodeWithoutTheSecretIsRefusedAndDoesNotStart() {
    assertRefused(config("s-none", "{}"), "settings: they are sealed, and this node has no cluster.secret");
  }

  private static void assertRefused(String json, String why) {
    pool(a).sticky().record("10.9.8.7", "127.0.0.1:9", Duration.ofMinutes(20));
    AssertionError e = assertThrows(AssertionError.class,
        () -> Sync.await(cluster.begin("127.0.0.1", cluster.port(2), json), Duration.ofSeconds(60)));
    String message = e.getCause().getMessage();
    assertTrue(message.startsWith("cluster error: the entries of nodes [s-0, s-1] do not open with this node's "
        + why + "; not serving beside them"), message);
    // it joined Hazelcast (same cluster name) and left again at once
    Await.until(SOON, () -> a.runtime().view().cluster().members().equals(List.of("s-0", "s-1"))
        && b.runtime().view().cluster().members().equals(List.of("s-0", "s-1")), "the refused node gone");
  }

  @Test
  void aMemberOutsideTheMemberListIsAdmittedByHazelcastButFlaggedEverywhere() throws Exception {
    int port = TestPorts.free();
    Gateway alias = Sync.await(cluster.begin("127.0.0.2", port, config("s-alias", "{\"secret\":\"" + SECRET + "\"}")),
        Duration.ofSeconds(60));
    String flagged = "127.0.0.2:" + port + " (s-alias)";
    try {
      Await.until(SOON, () -> a.runtime().view().cluster().unexpectedMembers().equals(List.of(flagged))
              && alias.runtime().view().cluster().unexpectedMembers().equals(List.of(flagged)),
          () -> "flagged on a: " + a.runtime().view().cluster().unexpectedMembers());
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + a.adminPort() + "/api/v1/status")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(List.of(flagged), new JsonObject(r.body()).getJsonObject("cluster")
          .getJsonArray("unexpected_members").getList());
      assertTrue(LOGGED.stream().anyMatch(l -> l.contains("member " + flagged
          + " has an address outside the cluster member list")), "SEVERE line logged");
    } finally {
      cluster.stop(alias);
    }
    Await.until(SOON, () -> a.runtime().view().cluster().unexpectedMembers().isEmpty(), "alias gone");
  }

  @Test
  @Order(Integer.MAX_VALUE) // after the joins, refusals and flags above have logged
  void theSecretIsNeverLogged() {
    assertFalse(LOGGED.isEmpty());
    for (String line : LOGGED) {
      assertFalse(line.contains(SECRET), line);
    }
  }
}
