package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.UdpClient;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code default_pools} on TCP and UDP listeners: each new connection or session is split by weight, a client
 * with a SOURCE_IP session keeps its pool and member. Members of pool t1 are called {@code t1-*}, and so on.
 */
class L4SplitTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member t1;
  static Member t2;
  static Member t2b;
  static Member u1;
  static Member u2;
  GatewayHarness gw;
  int tcpPort;
  int udpPort;

  @BeforeAll
  static void startMembers() {
    t1 = gateway.backends().tcpEcho("t1-a");
    t2 = gateway.backends().tcpEcho("t2-a");
    t2b = gateway.backends().tcpEcho("t2-b");
    u1 = gateway.backends().udpEcho("u1-a");
    u2 = gateway.backends().udpEcho("u2-a");
  }

  void start(String tcpWeights, String poolFields) {
    tcpPort = TestPorts.free();
    udpPort = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[
          {"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,
           "default_pools":[{"pool":"t1","weight":%s},{"pool":"t2","weight":%s}]},
          {"name":"udp","protocol":"UDP","host":"127.0.0.1","protocol_port":%d,
           "default_pools":[{"pool":"u1"},{"pool":"u2"}]}],
        "pools":[
          {"name":"t1","protocol":"TCP"%s,"members":%s},
          {"name":"t2","protocol":"TCP"%s,"members":%s},
          {"name":"u1","protocol":"UDP","members":%s},
          {"name":"u2","protocol":"UDP","members":%s}]}
        """.formatted(tcpPort, tcpWeights.split(":")[0], tcpWeights.split(":")[1], udpPort, poolFields,
        members(t1), poolFields, members(t2, t2b), members(u1), members(u2)));
  }

  String tcpMember() {
    try (TcpClient c = TcpClient.connect(tcpPort)) {
      return c.readLine();
    }
  }

  JsonObject route(String listener, String client) {
    return new JsonObject(gw.admin("/api/v1/route?listener=" + listener + "&client=" + client));
  }

  @Test
  void tcpConnectionsSplitInTheSmoothOrder() {
    start("3:1", "");
    JsonObject foreseen = route("tcp", "127.0.0.1");
    assertEquals("weighted", foreseen.getString("pool_reason"));
    assertEquals("t1", foreseen.getString("pool"));
    List<String> pools = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      pools.add(tcpMember().substring(0, 2));
    }
    assertEquals(List.of("t1", "t1", "t2", "t1", "t1", "t1", "t2", "t1"), pools);
  }

  @Test
  void aTcpClientWithASourceIpSessionKeepsItsPoolAndMember() {
    start("1:3", ",\"session_persistence\":{\"type\":\"SOURCE_IP\"}");
    String first = tcpMember(); // the head of a 1:3 cycle is t2
    assertEquals("t2", first.substring(0, 2));
    for (int i = 0; i < 6; i++) {
      assertEquals(first, tcpMember(), "connection " + i);
    }
    JsonObject r = route("tcp", "127.0.0.1");
    assertEquals("sticky", r.getString("pool_reason"));
    assertEquals("t2", r.getString("pool"));
    assertEquals("weighted", route("tcp", "10.0.0.9").getString("pool_reason"), "another client has no session");
  }

  @Test
  void eachNewUdpSessionIsSplitAndKeepsItsPool() {
    start("1:1", "");
    assertEquals("weighted", route("udp", "127.0.0.1").getString("pool_reason"));
    List<UdpClient> clients = new ArrayList<>();
    List<String> first = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        UdpClient c = new UdpClient(udpPort);
        clients.add(c);
        first.add(c.ask("who?"));
      }
      assertEquals(List.of("u1-a", "u2-a", "u1-a", "u2-a"), first);
      for (int i = 0; i < 4; i++) {
        assertEquals(first.get(i), clients.get(i).ask("who?"), "a session keeps its member");
      }
    } finally {
      clients.forEach(UdpClient::close);
    }
  }
}
