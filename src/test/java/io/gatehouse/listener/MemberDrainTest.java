package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.PrometheusText;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.UdpClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Member drains through real sockets: what is open to a draining member goes on up to the pool's
 * deregistration_delay and is then closed, nothing new reaches it; triggered by the admin API, by
 * {@code admin_state_up: false} and by removal in a reload.
 */
class MemberDrainTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  private static final Duration SOON = Duration.ofSeconds(10);
  /** A tunnel cut "after the delay" may be cut this much early by timer granularity, never more. */
  private static final long SLACK_MILLIS = 100;
  private static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  GatewayHarness gw;
  int port;

  private void start(String protocol, String poolProtocol, String poolExtra, String membersJson) {
    gw = gateway.start(config(protocol, poolProtocol, poolExtra, membersJson));
  }

  private String config(String protocol, String poolProtocol, String poolExtra, String membersJson) {
    if (port == 0) {
      port = io.gatehouse.testkit.TestPorts.free();
    }
    return "{" + io.gatehouse.testkit.Configs.head() + """
        "listeners":[{"name":"l","protocol":"%s","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"%s"%s,"members":%s}]}
        """.formatted(protocol, port, poolProtocol, poolExtra, membersJson);
  }

  private void drain(Member m) {
    HttpResponse<String> r = gw.adminCall("POST", "/api/v1/pools/p/members/127.0.0.1:" + m.port() + "/drain");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("DRAINING", new JsonObject(r.body()).getString("state"), r.body());
  }

  /** The member's entry in the status document. */
  private JsonObject status(Member m) {
    for (Object o : gw.status().getJsonArray("pools").getJsonObject(0).getJsonArray("members")) {
      JsonObject j = (JsonObject) o;
      if (j.getInteger("protocol_port") == m.port()) {
        return j;
      }
    }
    throw new AssertionError("member " + m.name + " not in the status");
  }

  private static Member named(String name, Member... ms) {
    for (Member m : ms) {
      if (m.name.equals(name)) {
        return m;
      }
    }
    throw new AssertionError("no member " + name);
  }

  private static String echo(TcpClient c, String line) {
    c.write(line + "\n");
    return c.readLine();
  }

  @Test
  void tcpTunnelGoesOnThroughTheDelayThenIsCutAndNewConnectionsGoElsewhere() {
    Member a = gateway.backends().tcpEcho("a");
    Member b = gateway.backends().tcpEcho("b");
    start("TCP", "TCP", ",\"deregistration_delay\":2", members(a, b));
    try (TcpClient client = TcpClient.connect(port)) {
      Member held = named(client.readLine(), a, b);
      Member other = held == a ? b : a;
      assertEquals(1, status(held).getInteger("active_connections"));
      long drainedAt = System.nanoTime();
      drain(held);
      JsonObject s = status(held);
      assertEquals("DRAINING", s.getString("state"));
      assertEquals(1, s.getJsonObject("drain").getInteger("connections"));
      assertNotNull(s.getJsonObject("drain").getString("ends_at"));
      assertEquals("NO_MONITOR", s.getString("status"), "status stays health only");
      for (int i = 0; i < 4; i++) {
        try (TcpClient fresh = TcpClient.connect(port)) {
          assertEquals(other.name, fresh.readLine(), "a new connection goes to the member that does not drain");
        }
      }
      assertEquals("ping", echo(client, "ping"), "the tunnel goes on while the member drains");
      client.setReadTimeout(5000);
      assertNull(client.readLine(), "the tunnel is closed once the delay is over");
      long heldMillis = (System.nanoTime() - drainedAt) / 1_000_000;
      assertTrue(heldMillis >= 2000 - SLACK_MILLIS, "cut only after the delay: " + heldMillis + " ms");
      Await.until(SOON, () -> status(held).getInteger("active_connections") == 0, "the member's count falls to 0");
      assertEquals(0, PrometheusText.value(gw.metrics(), "gatehouse_member_connections_active", "pool=p",
          "member=127.0.0.1:" + held.port()), "gatehouse_member_connections_active falls to 0");
      assertTrue(gw.awaitAccessLog("member=127.0.0.1:" + held.port()).contains("end=member_drained"));
    }
  }

  @Test
  void withoutADelayATunnelGoesOnUntilItEnds() {
    Member a = gateway.backends().tcpEcho("a");
    start("TCP", "TCP", "", members(a));
    try (TcpClient client = TcpClient.connect(port)) {
      assertEquals("a", client.readLine());
      drain(a);
      JsonObject d = status(a).getJsonObject("drain");
      assertNull(d.getValue("ends_at"), "no delay, no end: " + d);
      assertTrue(TcpClient.connect(port).closedWithNothingSent(), "no new connection reaches a draining member");
      long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
      while (System.nanoTime() < until) {
        assertEquals("still", echo(client, "still"), "the tunnel is never cut");
      }
    }
    Await.until(SOON, () -> status(a).getInteger("active_connections") == 0, "it ends when the client leaves");
  }

  @Test
  void aRemovedMemberStaysInTheStatusWhileItsConnectionsGoOn() {
    Member a = gateway.backends().tcpEcho("a");
    Member b = gateway.backends().tcpEcho("b");
    start("TCP", "TCP", "", members(a));
    try (TcpClient client = TcpClient.connect(port)) {
      assertEquals("a", client.readLine());
      gw.rewrite(config("TCP", "TCP", "", members(b)));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      JsonObject removed = status(a);
      assertEquals(true, removed.getBoolean("removed"), removed.encode());
      assertEquals(false, removed.getBoolean("usable"), "a removed member takes nothing new: " + removed.encode());
      assertEquals("DRAINING", removed.getString("state"));
      assertEquals(1, removed.getJsonObject("drain").getInteger("connections"));
      assertEquals("again", echo(client, "again"), "without a delay the removed member's tunnel goes on");
    }
    Await.until(SOON, () -> gw.status().getJsonArray("pools").getJsonObject(0).getJsonArray("members").size() == 1,
        "gone from the status once its last connection ended");
  }

  @Test
  void aDelayOf0ClosesAtOnceAndRemovalByAReloadDrains() {
    Member a = gateway.backends().tcpEcho("a");
    Member b = gateway.backends().tcpEcho("b");
    start("TCP", "TCP", ",\"deregistration_delay\":0", members(a, b));
    try (TcpClient first = TcpClient.connect(port); TcpClient second = TcpClient.connect(port)) {
      String one = first.readLine();
      String two = second.readLine();
      assertNotEquals(one, two, "round robin: one tunnel to each member");
      TcpClient toA = "a".equals(one) ? first : second;
      TcpClient toB = toA == first ? second : first;
      gw.rewrite(config("TCP", "TCP", ",\"deregistration_delay\":0", members(b)));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      toA.setReadTimeout(2000);
      assertNull(toA.readLine(), "the removed member's tunnel is closed at once");
      assertEquals("kept", echo(toB, "kept"), "the other member's tunnel is untouched");
    }
  }

  @Test
  void udpSessionGoesOnThroughTheDelayAfterAdminStateUpFalse() {
    Member a = gateway.backends().udpEcho("a");
    Member b = gateway.backends().udpEcho("b");
    start("UDP", "UDP", ",\"lb_algorithm\":\"SOURCE_IP\",\"deregistration_delay\":1.5", members(a, b));
    try (UdpClient client = new UdpClient(port)) {
      Member held = named(client.ask("who?"), a, b);
      Member other = held == a ? b : a;
      String down = "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + held.port() + ",\"admin_state_up\":false},"
          + "{\"address\":\"127.0.0.1\",\"protocol_port\":" + other.port() + "}]";
      gw.rewrite(config("UDP", "UDP", ",\"lb_algorithm\":\"SOURCE_IP\",\"deregistration_delay\":1.5", down));
      long drainedAt = System.nanoTime();
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      assertEquals("DRAINING", status(held).getString("state"));
      assertEquals(held.name, client.ask("who?"), "the session goes on with its member while it drains");
      Await.until(SOON, () -> other.name.equals(client.ask("who?")), "after the delay a new session, elsewhere");
      long heldMillis = (System.nanoTime() - drainedAt) / 1_000_000;
      assertTrue(heldMillis >= 1500 - SLACK_MILLIS, "the session ended only after the delay: " + heldMillis);
      assertTrue(gw.awaitAccessLog("member=127.0.0.1:" + held.port()).contains("end=member_drained"));
    }
  }

  @Test
  void webSocketAndInFlightRequestGoOnNewRequestsGoElsewhereThenTheTunnelIsCut() throws Exception {
    Member a = gateway.backends().http("a");
    Member b = gateway.backends().http("b");
    // one client address: SOURCE_IP sends the tunnel, the slow request and the first request to one member
    start("HTTP", "HTTP", ",\"lb_algorithm\":\"SOURCE_IP\",\"deregistration_delay\":2", members(a, b));
    URI root = URI.create("http://127.0.0.1:" + port + "/");
    Member held = named(JDK.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString())
        .headers().firstValue("X-Member").orElseThrow(), a, b);
    Member other = held == a ? b : a;
    WebSocketClient ws = gateway.backends().vertx().createWebSocketClient();
    WebSocket socket = Sync.await(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
        .setURI("/ws")));
    CompletableFuture<Void> closed = new CompletableFuture<>();
    socket.closeHandler(v -> closed.complete(null));
    assertEquals("before", ask(socket, "before"));
    int hits = held.hits.get();
    CompletableFuture<HttpResponse<String>> slow = JDK.sendAsync(HttpRequest.newBuilder(root.resolve("/slow/1000"))
        .build(), HttpResponse.BodyHandlers.ofString());
    Await.until(SOON, () -> held.hits.get() > hits, "the slow request reached the member");

    long drainedAt = System.nanoTime();
    drain(held);
    assertEquals(other.name, JDK.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString())
        .headers().firstValue("X-Member").orElseThrow(), "a new request goes to the other member");
    HttpResponse<String> inFlight = slow.get(10, TimeUnit.SECONDS);
    assertEquals(200, inFlight.statusCode());
    assertEquals("slow " + held.name, inFlight.body(), "the request in flight completes");
    assertEquals("after", ask(socket, "after"), "the WebSocket tunnel goes on while the member drains");
    closed.get(10, TimeUnit.SECONDS);
    long heldMillis = (System.nanoTime() - drainedAt) / 1_000_000;
    assertTrue(heldMillis >= 2000 - SLACK_MILLIS, "the tunnel is cut only after the delay: " + heldMillis + " ms");
    Await.until(SOON, () -> status(held).getInteger("active_connections") == 0, "nothing open to the member");
    Sync.await(ws.close());
  }

  @Test
  void aRequestStillInFlightWhenTheDelayIsOverIsCut() throws Exception {
    Member a = gateway.backends().http("a");
    start("HTTP", "HTTP", ",\"deregistration_delay\":1", members(a));
    int hits = a.hits.get();
    CompletableFuture<HttpResponse<String>> slow = JDK.sendAsync(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/slow/20000")).build(), HttpResponse.BodyHandlers.ofString());
    Await.until(SOON, () -> a.hits.get() > hits, "the slow request reached the member");
    long drainedAt = System.nanoTime();
    drain(a);
    HttpResponse<String> cut = slow.get(10, TimeUnit.SECONDS);
    long heldMillis = (System.nanoTime() - drainedAt) / 1_000_000;
    assertEquals(502, cut.statusCode(), "no response head yet: the gateway answers for the member it cut");
    assertTrue(heldMillis >= 1000 - SLACK_MILLIS && heldMillis < 5000, "cut at the delay: " + heldMillis + " ms");
    Await.until(SOON, () -> a.open.get() == 0, "no connection left to the member");
  }

  @Test
  void pooledIdleConnectionsCloseAtOnce() throws Exception {
    Member a = gateway.backends().http("a");
    start("HTTP", "HTTP", "", members(a));
    URI root = URI.create("http://127.0.0.1:" + port + "/");
    assertEquals(200, JDK.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode());
    assertEquals(1, a.open.get(), "the gateway keeps its connection to the member");
    drain(a);
    // the idle sweep would take 4 s and more: within 1.5 s it was the drain
    Await.until(Duration.ofMillis(1500), () -> a.open.get() == 0, "the idle pooled connection closed at once");
    assertEquals(503, JDK.send(HttpRequest.newBuilder(root).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode(), "no request reaches the draining member");
  }

  private static String ask(WebSocket socket, String text) throws Exception {
    CompletableFuture<String> answer = new CompletableFuture<>();
    socket.textMessageHandler(answer::complete);
    Sync.await(socket.writeTextMessage(text));
    return answer.get(5, TimeUnit.SECONDS);
  }
}
