package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.tls.SClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three {@code target/gatehouse.jar} processes in one cluster on loopback, with the shipped
 * {@code cluster/hazelcast.xml} configured by environment variables, in front of members run by this JVM. The
 * tests run in order: the later ones kill and restart a node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterJarIT {

  private static final Duration JOIN = Duration.ofSeconds(60);
  /** delay 0.5 s x max_retries_down 2 + timeout, plus replication: within 5 s on every node. */
  private static final Duration HEALTH_DEADLINE = Duration.ofSeconds(5);
  private static final int NODES = 3;

  private static final String CLUSTER = "gatehouse-it-" + UUID.randomUUID();
  private static Backends backends;
  private static Backends.Member[] web;
  private static Backends.Member[] tcp;
  /** Per node: cookie listener, app listener, tcp listener, https listener. */
  private static final int[][] ports = new int[NODES][4];
  private static final JarNode[] nodes = new JarNode[NODES];
  private static String members;

  @BeforeAll
  static void start() throws IOException {
    Path dir = Files.createTempDirectory("gatehouse-cluster-it");
    backends = new Backends();
    web = new Backends.Member[] {backends.http("w1"), backends.http("w2"), backends.http("w3")};
    tcp = new Backends.Member[] {backends.tcpEcho("t1"), backends.tcpEcho("t2"), backends.tcpEcho("t3")};
    for (int i = 0; i < NODES; i++) {
      for (int l = 0; l < 4; l++) {
        ports[i][l] = TestPorts.free();
      }
      nodes[i] = new JarNode(dir, "gw-" + i, config(i));
    }
    members = Arrays.stream(nodes).map(n -> "127.0.0.1:" + n.hazelcastPort).collect(Collectors.joining(","));
    for (int i = 0; i < NODES; i++) {
      launch(i);
    }
    for (int i = 0; i < NODES; i++) {
      awaitLog(i, "members [gw-0, gw-1, gw-2]", JOIN);
      awaitLog(i, "listener tcp:", JOIN);
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    for (JarNode n : nodes) {
      if (n != null) {
        n.stop(); // SIGTERM: drain, leave the cluster, exit 0
      }
    }
    if (backends != null) {
      backends.close();
    }
  }

  private static String config(int i) {
    return ClusterJson.head("gw-" + i) + "\"listeners\":["
        + ClusterJson.listener("cookie", "HTTP", ports[i][0], "cookie") + ","
        + ClusterJson.listener("app", "HTTP", ports[i][1], "app") + ","
        + ClusterJson.listener("tcp", "TCP", ports[i][2], "tcp") + ","
        + "{\"name\":\"tls\",\"protocol\":\"HTTPS\",\"host\":\"127.0.0.1\",\"protocol_port\":" + ports[i][3]
        + ",\"default_pool\":\"cookie\",\"tls\":{\"certificate\":\"" + TestCerts.RSA_CERT.toAbsolutePath()
        + "\",\"private_key\":\"" + TestCerts.RSA_KEY.toAbsolutePath()
        + "\",\"security_policy\":\"tls-1-2-fs-with-1-3\"}}],\"pools\":["
        + "{\"name\":\"cookie\",\"protocol\":\"HTTP\",\"session_persistence\":{\"type\":\"HTTP_COOKIE\"},"
        + "\"members\":" + Configs.members(web) + "}," + ClusterJson.appCookiePool("app", web) + ","
        + ClusterJson.sourceIpPool("tcp", ",\"lb_algorithm\":\"LEAST_CONNECTIONS\"", tcp) + "]}";
  }

  private static void launch(int i) throws IOException {
    nodes[i].launch(CLUSTER, members);
  }

  private static String logText(int i) {
    return nodes[i].logText();
  }

  private static void awaitLog(int i, String text, Duration limit) {
    nodes[i].awaitLog(text, limit);
  }

  @Test
  @Order(1)
  void aSourceIpClientRoutedByOneNodeGoesToTheSameMemberThroughTheOthers() {
    for (String client : List.of("127.0.0.2", "127.0.0.3", "127.0.0.4")) {
      String first = greeting(0, client);
      for (int i = 1; i < NODES; i++) {
        assertEquals(first, greeting(i, client), client + " through gw-" + i);
      }
    }
  }

  @Test
  @Order(2)
  void cookiesLearnedOnOneNodeAreHonouredByTheOthers() {
    RawHttp.Response issued = get(0, 0, "/who", null);
    String cookie = issued.header("Set-Cookie");
    assertNotNull(cookie, issued.head());
    String value = cookie.substring(0, cookie.indexOf(';'));
    String learned = get(0, 1, "/set/sid/it-1", null).header("X-Member");
    for (int i = 1; i < NODES; i++) {
      assertEquals(issued.header("X-Member"), get(i, 0, "/who", value).header("X-Member"), "HTTP_COOKIE on gw-" + i);
      int node = i;
      Await.until(Duration.ofSeconds(5), () -> learned.equals(get(node, 1, "/who", "sid=it-1").header("X-Member")),
          "APP_COOKIE on gw-" + i);
    }
  }

  @Test
  @Order(2)
  void aTlsSessionTicketFromOneNodeResumesOnTheOthers() throws IOException {
    // no state is shared: each node derives the ticket keys from the cluster secret and the hour
    Path dir = Files.createTempDirectory("gatehouse-tickets");
    Path request = Files.writeString(dir.resolve("request"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    for (String version : List.of("TLSv1.3", "TLSv1.2")) {
      Path session = dir.resolve("session-" + version);
      SClient.Result first = SClient.withSession(ports[0][3], version, session, false, request);
      assertTrue(first.output().contains("HTTP/1.1 200") && !first.resumed(), first.output());
      for (int i = 1; i < NODES; i++) {
        SClient.Result other = SClient.withSession(ports[i][3], version, session, true, request);
        assertTrue(other.resumed(), version + " ticket of gw-0 on gw-" + i + ":\n" + other.output());
      }
    }
  }

  @Test
  @Order(3)
  void aStoppedMemberIsOfflineOnEveryNodeAndProbedByOneNodeOnly() {
    Backends.Member m = tcp[0];
    int before = m.hits.get();
    long start = System.nanoTime();
    Await.until(Duration.ofSeconds(10), () -> m.hits.get() - before >= 8, "probes of t1");
    double seconds = (System.nanoTime() - start) / 1e9;
    // one prober: about 2 probes a second; three would make about 6
    double rate = (m.hits.get() - before) / seconds;
    assertTrue(rate < 3.5, "probes per second at the member: " + rate);

    m.stop();
    try {
      for (int i = 0; i < NODES; i++) {
        awaitLog(i, "member 127.0.0.1:" + m.port() + ": ONLINE -> OFFLINE", HEALTH_DEADLINE);
      }
    } finally {
      m.start();
    }
    for (int i = 0; i < NODES; i++) {
      awaitLog(i, "member 127.0.0.1:" + m.port() + ": OFFLINE -> ONLINE", HEALTH_DEADLINE);
    }
  }

  @Test
  @Order(4)
  void afterASigkillTheOthersKeepStickinessAndHealthAndTheRestartedNodeSeesTheState() throws Exception {
    String learned = get(1, 1, "/set/sid/it-2", null).header("X-Member");
    Await.until(Duration.ofSeconds(5), () -> learned.equals(get(2, 1, "/who", "sid=it-2").header("X-Member")), "it-2");
    nodes[0].process().destroyForcibly(); // SIGKILL: no goodbye to the cluster
    assertTrue(nodes[0].process().waitFor(10, TimeUnit.SECONDS));
    awaitLog(1, "members [gw-1, gw-2]", Duration.ofSeconds(20));
    awaitLog(2, "members [gw-1, gw-2]", Duration.ofSeconds(20));

    assertEquals(learned, get(2, 1, "/who", "sid=it-2").header("X-Member"), "stickiness survives the kill");
    String afterKill = get(2, 1, "/set/sid/it-3", null).header("X-Member");
    Await.until(Duration.ofSeconds(5), () -> afterKill.equals(get(1, 1, "/who", "sid=it-3").header("X-Member")),
        "it-3 shared among the survivors");

    // whichever node probed each member before, the survivors probe them all now
    Backends.Member down = tcp[1];
    down.stop();
    for (int i = 1; i < NODES; i++) {
      awaitLog(i, "member 127.0.0.1:" + down.port() + ": ONLINE -> OFFLINE", HEALTH_DEADLINE);
    }

    long restarted = System.nanoTime();
    launch(0);
    awaitLog(0, "members [gw-0, gw-1, gw-2]", JOIN);
    awaitLog(0, "listener tcp:", JOIN);
    System.out.printf("cluster: a restarted node rejoined and served in %.1f s%n", (System.nanoTime() - restarted) / 1e9);
    assertTrue(logText(0).contains("member 127.0.0.1:" + down.port() + ": OFFLINE"), "gw-0 holds the shared status");
    assertEquals(learned, get(0, 1, "/who", "sid=it-2").header("X-Member"));
    assertEquals(afterKill, get(0, 1, "/who", "sid=it-3").header("X-Member"));
    down.start();
    for (int i = 0; i < NODES; i++) {
      awaitLog(i, "member 127.0.0.1:" + down.port() + ": OFFLINE -> ONLINE", HEALTH_DEADLINE);
    }
  }

  @Test
  @Order(5)
  void aPausedNodeIsDroppedTheOthersServeAndItRejoinsWhenResumed() throws Exception {
    String sticky = greeting(0, "127.0.0.45");
    int joinedBefore = nodes[2].count("members [gw-0, gw-1, gw-2]");
    signal(nodes[2].process(), "STOP"); // a node frozen (or cut off): it answers nothing, heartbeats included
    try {
      awaitLog(0, "members [gw-0, gw-1]", Duration.ofSeconds(30));
      // the others go on serving, sticky clients on their members
      assertEquals(sticky, greeting(0, "127.0.0.45"));
      assertEquals(sticky, greeting(1, "127.0.0.45"));
    } finally {
      signal(nodes[2].process(), "CONT");
    }
    Await.until(JOIN, () -> nodes[2].count("members [gw-0, gw-1, gw-2]") > joinedBefore
        || nodes[0].count("members [gw-0, gw-1, gw-2]") > 1, () -> "gw-2 did not rejoin:\n" + logText(2));
    Await.until(Duration.ofSeconds(20), () -> sticky.equals(NodeClients.orNull(() -> greeting(2, "127.0.0.45"))),
        () -> "gw-2 does not route the sticky client after resuming");
  }

  private static void signal(Process p, String sig) throws Exception {
    assertEquals(0, new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid())).start().waitFor());
  }

  private static String greeting(int i, String client) {
    return NodeClients.greeting(ports[i][2], client);
  }

  private static RawHttp.Response get(int node, int listener, String path, String cookie) {
    return NodeClients.get(ports[node][listener], path, cookie);
  }
}
