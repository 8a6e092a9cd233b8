package io.gatehouse.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.gatehouse.Gateway;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.gatehouse.pool.MemberStatus;
import io.gatehouse.pool.Pool;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Configs;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stranger on the cluster network, with real Hazelcast on loopback: a Hazelcast client that knows the cluster name
 * cannot connect to a gateway node, whether the node's file has the shipped advanced-network form or the common
 * plain {@code <network>} form; a file that declares a client endpoint is refused at start. A raw Hazelcast member
 * with the right name and no secret joins (Hazelcast OS cannot refuse it) and writes forged, garbled, copied and
 * replayed entries: each is ignored and counted, and the gateway's state stays as it was; a serialised object of a
 * class that is not Gatehouse's is never rebuilt on the gateway.
 */
class ClusterAttackTest {

  private static final Duration SOON = Duration.ofSeconds(20);
  private static final String CLIENT = "10.20.30.40";
  /** Hazelcast threads are named hz.<instance>.*: the gateway's instances are gatehouse-<node>-*. */
  static final List<String> GADGET_THREADS = new CopyOnWriteArrayList<>();

  private static ClusterNodes shipped;
  private static ClusterNodes plain;
  private static Gateway onShipped;
  private static Gateway onPlain;
  private static Backends backends;
  private static Backends.Member probed;
  private static HazelcastInstance attacker;

  @BeforeAll
  static void start() {
    backends = new Backends();
    probed = backends.tcpEcho("probed");
    shipped = new ClusterNodes(1);
    plain = new ClusterNodes(1, Path.of("src/test/resources/cluster/plain-network.xml"));
    onShipped = shipped.start(0, config("attacked-1", "{\"secret\":\"attack-test-secret-0123456789abcdef\"}"));
    onPlain = plain.start(0, config("attacked-2", "{}"));
    attacker = Hazelcast.newHazelcastInstance(rawMember(shipped.clusterName(), shipped.port(0)));
    Await.until(SOON, () -> attacker.getCluster().getMembers().size() == 2, "the raw member joined");
  }

  @AfterAll
  static void stop() {
    attacker.shutdown();
    shipped.close();
    plain.close();
    backends.close();
  }

  static String config(String name, String cluster) {
    return "{\"node\":{\"name\":\"" + name + "\",\"event_loops\":1},\"admin\":{\"port\":" + TestPorts.free() + "},"
        + "\"cluster\":" + cluster + ","
        + "\"reload\":{\"scan_period_ms\":0},\"drain_timeout\":1,\"access_log\":false,\"listeners\":[],"
        + "\"pools\":[{\"name\":\"ip\",\"protocol\":\"TCP\",\"session_persistence\":{\"type\":\"SOURCE_IP\"},"
        + "\"members\":[{\"address\":\"127.0.0.1\",\"protocol_port\":9},{\"address\":\"127.0.0.1\",\"protocol_port\":10}]},"
        + "{\"name\":\"probed\",\"protocol\":\"TCP\",\"members\":" + Configs.members(probed) + ","
        + "\"health_monitor\":{\"type\":\"TCP\",\"delay\":0.3,\"timeout\":0.3,\"max_retries\":1,\"max_retries_down\":1}}]}";
  }

  /** A Hazelcast member as anyone can build it: the right cluster name, no secret, no filter. */
  private static Config rawMember(String clusterName, int gatewayPort) {
    Config c = new Config();
    c.setClusterName(clusterName);
    c.setInstanceName("attacker-" + gatewayPort);
    // claims to be a gateway node: any member can set the attribute, so a name alone makes no prober
    c.getMemberAttributeConfig().setAttribute(HazelcastView.NODE_ATTRIBUTE, "attacked-0");
    c.setProperty("hazelcast.logging.type", "jdk");
    c.setProperty("hazelcast.wait.seconds.before.join", "0");
    c.getNetworkConfig().setPort(TestPorts.free()).setPortAutoIncrement(false);
    c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    c.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    c.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    c.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + gatewayPort);
    return c;
  }

  private static Pool pool(String name) {
    return onShipped.runtime().view().pool(name);
  }

  @Test
  void forgedGarbledCopiedAndReplayedEntriesAreIgnoredAndCounted() {
    String probedId = "127.0.0.1:" + probed.port();
    ReplicatedMap<String, Object> sticky = attacker.getReplicatedMap("gatehouse.sticky");
    ReplicatedMap<String, Object> health = attacker.getReplicatedMap("gatehouse.health");
    String healthKey = "probed\n" + probedId;
    // two real verdicts, as the attacker sees them go by: OFFLINE, then ONLINE again
    Await.until(SOON, () -> status(probedId) == MemberStatus.ONLINE, "probed online");
    probed.stop();
    Await.until(SOON, () -> status(probedId) == MemberStatus.OFFLINE && health.get(healthKey) != null, "offline");
    byte[] offline = (byte[]) health.get(healthKey);
    probed.start();
    Await.until(SOON, () -> status(probedId) == MemberStatus.ONLINE
        && !java.util.Arrays.equals((byte[]) health.get(healthKey), offline), "online again, shared");
    byte[] online = (byte[]) health.get(healthKey);
    java.util.Set<String> before = java.util.Set.copyOf(sticky.keySet());
    pool("ip").sticky().record(CLIENT, "127.0.0.1:10", Duration.ofMinutes(20));
    Await.until(SOON, () -> sticky.keySet().stream().anyMatch(k -> k.startsWith("ip\n") && !before.contains(k)),
        "the sticky entry replicated");
    String stickyKey = sticky.keySet().stream().filter(k -> k.startsWith("ip\n") && !before.contains(k))
        .findFirst().orElseThrow();
    assertFalse(stickyKey.contains(CLIENT), "the map key names no client: " + stickyKey);
    byte[] sealedSticky = (byte[]) sticky.get(stickyKey);
    assertFalse(new String(sealedSticky, StandardCharsets.ISO_8859_1).contains("127.0.0.1:10"), "sealed");
    long healthOpen = count(SharedHealth.MAP, RejectedEntries.OPEN_FAILED);
    long stickyOpen = count(SharedSticky.MAP, RejectedEntries.OPEN_FAILED);

    // forged: what the attacker wrote, in clear text and as bytes
    health.put(healthKey, "9223372036854775807 OFFLINE 0 forged");
    health.put(healthKey, ("9223372036854775807 OFFLINE 0 forged").getBytes(StandardCharsets.UTF_8));
    sticky.put("ip\n" + CLIENT, (System.currentTimeMillis() - 1000 + " " + (System.currentTimeMillis() + 600_000)
        + " 127.0.0.1:9").getBytes(StandardCharsets.UTF_8));
    // garbled: a real sealed value with one bit flipped
    byte[] garbled = online.clone();
    garbled[garbled.length - 1] ^= 1;
    health.put(healthKey, garbled);
    // copied: valid sealed values put under other keys
    sticky.put("ip\nAAAAAAAAAAAAAAAAAAAAAA", sealedSticky);
    health.put("probed\n127.0.0.1:9", online);
    Await.until(SOON, () -> count(SharedHealth.MAP, RejectedEntries.OPEN_FAILED) >= healthOpen + 4
        && count(SharedSticky.MAP, RejectedEntries.OPEN_FAILED) >= stickyOpen + 2, () -> "counted: health "
        + count(SharedHealth.MAP, RejectedEntries.OPEN_FAILED) + ", sticky "
        + count(SharedSticky.MAP, RejectedEntries.OPEN_FAILED));
    assertEquals(MemberStatus.ONLINE, status(probedId));
    assertEquals("127.0.0.1:10", pool("ip").sticky().lookup(CLIENT));

    // replayed: the older OFFLINE verdict, put back in place of the ONLINE one
    long replays = count(SharedHealth.MAP, RejectedEntries.SEQ_OUT_OF_RANGE);
    health.put(healthKey, offline);
    Await.until(SOON, () -> count(SharedHealth.MAP, RejectedEntries.SEQ_OUT_OF_RANGE) > replays, "replay counted");
    assertEquals(MemberStatus.ONLINE, status(probedId));
    assertEquals("127.0.0.1:10", pool("ip").sticky().lookup(CLIENT));
  }

  @Test
  void aReplayedOverrideIsIgnoredCountedAndTheMapPutRight() {
    ReplicatedMap<String, Object> overrides = attacker.getReplicatedMap(SharedOverrides.MAP);
    String key = "ip\n127.0.0.1:9";
    String member = "/api/v1/pools/ip/members/127.0.0.1:9";
    // the operator drains the member through the admin API; the attacker keeps the sealed entry it sees go by
    assertEquals(200, adminPost("POST", member + "/drain"));
    Await.until(SOON, () -> overrides.get(key) != null, "the drain shared");
    byte[] drain = (byte[]) overrides.get(key);
    assertEquals(200, adminPost("POST", member + "/enable"));
    Await.until(SOON, () -> overrides.get(key) != null && !java.util.Arrays.equals((byte[]) overrides.get(key), drain),
        "the enable shared");

    // put back in place of the enable: refused, and the node that set the enable puts it back in the map
    long replays = count(SharedOverrides.MAP, RejectedEntries.SEQ_OUT_OF_RANGE);
    overrides.put(key, drain);
    Await.until(SOON, () -> count(SharedOverrides.MAP, RejectedEntries.SEQ_OUT_OF_RANGE) > replays, "replay counted");
    Await.until(SOON, () -> !java.util.Arrays.equals((byte[]) overrides.get(key), drain), "the map put right");
    assertEquals(io.gatehouse.pool.MemberOverride.Action.ENABLE, pool("ip").member("127.0.0.1:9").override().action());
    assertTrue(pool("ip").member("127.0.0.1:9").adminStateUp());

    // put back after the override was cleared: refused too, and removed again
    assertEquals(200, adminPost("DELETE", member + "/override"));
    Await.until(SOON, () -> overrides.get(key) == null, "the clear shared");
    long again = count(SharedOverrides.MAP, RejectedEntries.SEQ_OUT_OF_RANGE);
    overrides.put(key, drain);
    Await.until(SOON, () -> count(SharedOverrides.MAP, RejectedEntries.SEQ_OUT_OF_RANGE) > again, "counted again");
    Await.until(SOON, () -> overrides.get(key) == null, "the replayed entry removed");
    assertEquals(null, pool("ip").member("127.0.0.1:9").override());
    assertTrue(pool("ip").member("127.0.0.1:9").adminStateUp());

    // a new call after all this still wins, whatever time the old entries carry
    assertEquals(200, adminPost("POST", member + "/drain"));
    assertFalse(pool("ip").member("127.0.0.1:9").adminStateUp());
    assertEquals(200, adminPost("DELETE", member + "/override"));
  }

  /** A call to the attacked node's admin API (loopback, no token), its status code. */
  private static int adminPost(String method, String path) {
    try {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + onShipped.adminPort() + path))
              .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).timeout(SOON).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return r.statusCode();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static MemberStatus status(String member) {
    return pool("probed").member(member).health().status();
  }

  @Test
  void aNonGatehouseSerialisedObjectIsRefused() {
    ReplicatedMap<String, Object> sticky = attacker.getReplicatedMap("gatehouse.sticky");
    ReplicatedMap<String, Object> health = attacker.getReplicatedMap("gatehouse.health");
    long before = count(SharedHealth.MAP, RejectedEntries.OPEN_FAILED);
    // the gateway's member refuses to rebuild it; the attacker may hear of that, or not, depending on who owns what
    putIgnoringRefusal(sticky, "ip\ngadget");
    putIgnoringRefusal(health, "probed\ngadget");
    // a value that reaches the gateway after the gadgets were sent: once it is counted, they had their chance
    health.put("probed\ncontrol", new byte[] {1, 2, 3});
    Await.until(SOON, () -> count(SharedHealth.MAP, RejectedEntries.OPEN_FAILED) > before, "control counted");
    assertTrue(GADGET_THREADS.stream().noneMatch(t -> t.contains("gatehouse-")), GADGET_THREADS.toString());
    assertEquals(2, attacker.getCluster().getMembers().size(), "the gateway is still in the cluster");
  }

  private static void putIgnoringRefusal(ReplicatedMap<String, Object> map, String key) {
    try {
      map.put(key, new Gadget());
    } catch (com.hazelcast.nio.serialization.HazelcastSerializationException e) {
      assertTrue(String.valueOf(e.getMessage()).contains("is not allowed"), e.getMessage());
    }
  }

  private static long count(String map, String reason) {
    return clusterNode().rejected().count(map, reason);
  }

  private static ClusterNode clusterNode() {
    return onShipped.cluster();
  }

  /** A class that says where it was rebuilt: on a gateway node it never may be. */
  static final class Gadget implements Serializable {
    private static final long serialVersionUID = 1L;

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      GADGET_THREADS.add(Thread.currentThread().getName());
    }
  }

  @Test
  void aHazelcastClientWithTheRightClusterNameCannotConnect() {
    assertClientRefused(shipped.clusterName(), shipped.port(0));
  }

  @Test
  void aPlainNetworkFileOpensNoClientEndpointEither() {
    assertClientRefused(plain.clusterName(), plain.port(0));
  }

  /** The control: the same client reaches a Hazelcast member left as its plain file says. */
  @Test
  void theSameClientReachesAnUnhardenedMember() throws IOException {
    int port = TestPorts.free();
    String name = "unhardened-" + port;
    Config c = ClusterBootstrap.load(Path.of("src/test/resources/cluster/plain-network.xml"),
        ClusterBootstrap.properties(java.util.Map.of("GATEHOUSE_CLUSTER_PORT", String.valueOf(port),
            "GATEHOUSE_CLUSTER_NAME", name), new java.util.Properties()));
    HazelcastInstance member = Hazelcast.newHazelcastInstance(c);
    try {
      HazelcastInstance client = HazelcastClient.newHazelcastClient(client(name, port));
      assertTrue(client.getLifecycleService().isRunning());
      client.shutdown();
    } finally {
      member.shutdown();
    }
  }

  /**
   * The raw member calls itself a node: counted among the probers, it would own a share of the members and never
   * probe them, so a member going down there would stay ONLINE on every node.
   */
  @Test
  void aMemberThatOnlyClaimsANodeNameIsNoNodeAndProbesNothing() {
    assertEquals(List.of("attacked-1"), clusterNode().view().members());
    for (Pool p : List.of(pool("ip"), pool("probed"))) {
      p.members().forEach(m -> assertTrue(clusterNode().health().owns(p.name(), m.id()), m.id()));
    }
  }

  /**
   * A member shuts the whole cluster down (Hazelcast OS lets any member do so): each node goes on alone and probes
   * every member itself, rather than leaving the share of the node it last saw to nobody.
   */
  @Test
  void aClusterShutDownByAMemberLeavesEachNodeProbingEveryMember() {
    Backends.Member down = backends.tcpEcho("down");
    try (ClusterNodes two = new ClusterNodes(2)) {
      String secret = "{\"secret\":\"attack-test-secret-0123456789abcdef\"}";
      List<Gateway> nodes = List.of(two.start(0, probedConfig("shut-1", secret, down)),
          two.start(1, probedConfig("shut-2", secret, down)));
      Await.until(SOON, () -> nodes.stream().allMatch(g -> g.cluster().view().members().size() == 2), "two nodes");
      HazelcastInstance rogue = Hazelcast.newHazelcastInstance(rawMember(two.clusterName(), two.port(0)));
      try {
        // refused while partitions still migrate to the new member: retried until it goes through
        Await.until(SOON, () -> {
          try {
            rogue.getCluster().shutdown();
            return true;
          } catch (IllegalStateException migrating) {
            return false;
          }
        }, "the cluster shut down");
      } finally {
        rogue.getLifecycleService().terminate();
      }
      for (Gateway g : nodes) {
        Await.until(SOON, () -> g.cluster().view().members().equals(List.of(g.cluster().view().nodeName())),
            () -> "alone: " + g.cluster().view().members());
      }
      down.stop();
      for (Gateway g : nodes) {
        Pool p = g.runtime().view().pool("probed");
        Await.until(SOON, () -> p.member("127.0.0.1:" + down.port()).health().status() == MemberStatus.OFFLINE,
            () -> g.cluster().view().nodeName() + " saw the member go down");
      }
    }
  }

  private static String probedConfig(String name, String cluster, Backends.Member other) {
    return config(name, cluster).replace("\"members\":" + Configs.members(probed),
        "\"members\":" + Configs.members(probed, other));
  }

  /**
   * A sealed probe request, as any member sees it go by on the topic, replayed many times: the owner probes the
   * member at most once a second on request, not once per copy.
   */
  @Test
  void aReplayedProbeRequestIsHonouredAtMostOnceASecond() {
    com.hazelcast.topic.ITopic<Object> topic = attacker.getTopic(SharedHealth.TOPIC);
    java.util.concurrent.atomic.AtomicReference<Object> seen = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.UUID listening = topic.addMessageListener(m -> seen.compareAndSet(null, m.getMessageObject()));
    try {
      clusterNode().health().askProbe("probed", "127.0.0.1:" + probed.port());
      Await.until(SOON, () -> seen.get() != null, "the sealed request went by");
      int before = probed.hits.get();
      for (int i = 0; i < 300; i++) {
        topic.publish(seen.get());
      }
      // messages of one publisher arrive in order: once this one is counted, the replays were all handled
      long rejected = count(SharedHealth.TOPIC, RejectedEntries.OPEN_FAILED);
      topic.publish(new byte[] {1, 2, 3});
      Await.until(SOON, () -> count(SharedHealth.TOPIC, RejectedEntries.OPEN_FAILED) > rejected, "control counted");
      long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      while (System.nanoTime() < until) {
        // scheduled probes every 0.3 s, and one or two on request: a few, not hundreds
        assertTrue(probed.hits.get() - before < 20, () -> (probed.hits.get() - before) + " probes");
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
      }
    } finally {
      topic.removeMessageListener(listening);
    }
  }

  /** 127.0.0.2 is loopback too, but not the node's address: a wildcard bind would take the connection. */
  @Test
  void theMemberPortListensOnTheMemberAddressOnly() throws IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", shipped.port(0))) {
      assertTrue(s.isConnected());
    }
    for (int port : List.of(shipped.port(0), plain.port(0))) {
      assertThrows(java.net.ConnectException.class, () -> new java.net.Socket("127.0.0.2", port).close(),
          "port " + port + " answers on 127.0.0.2");
    }
  }

  @Test
  void noEventBusIsOpened() {
    assertFalse(onShipped.vertx().isClustered());
    assertFalse(onPlain.vertx().isClustered());
  }

  @Test
  void anAdvancedNetworkWithAClientEndpointIsRefusedAtStart() throws IOException {
    Path file = Files.createTempFile("hazelcast-client-endpoint", ".xml");
    Files.writeString(file, Files.readString(Path.of("cluster/hazelcast.xml")).replace("</advanced-network>",
        "<client-server-socket-endpoint-config><port auto-increment=\"false\">" + TestPorts.free()
            + "</port></client-server-socket-endpoint-config></advanced-network>"));
    try (ClusterNodes withClient = new ClusterNodes(1, file)) {
      AssertionError e = assertThrows(AssertionError.class, () -> Sync.await(
          withClient.begin("127.0.0.1", withClient.port(0), config("refused", "{}")), Duration.ofSeconds(30)));
      String message = e.getCause().getMessage();
      assertTrue(message.startsWith("cluster error: ") && message.contains("client endpoint"), message);
    }
  }

  private static void assertClientRefused(String clusterName, int port) {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> HazelcastClient.newHazelcastClient(client(clusterName, port)).shutdown());
    assertTrue(e.getMessage().contains("Unable to connect"), e.getMessage());
  }

  private static ClientConfig client(String clusterName, int port) {
    ClientConfig c = new ClientConfig();
    c.setClusterName(clusterName);
    c.getNetworkConfig().addAddress("127.0.0.1:" + port);
    // loopback: a member that takes clients answers within a second, and a refusing one is given up on sooner
    c.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(1_000)
        .setInitialBackoffMillis(100);
    c.setProperty("hazelcast.logging.type", "jdk");
    return c;
  }
}
