package io.gatehouse.runtime;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static io.gatehouse.testkit.Configs.weighted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Reloads through the real file: refused, unchanged, applied in place, listeners added, moved and removed. */
class ReloadTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member a;
  static Member b;
  static Member c;
  GatewayHarness gw;
  int port;
  int port2;
  String top;

  @BeforeAll
  static void startMembers() {
    a = gateway.backends().tcpEcho("a");
    b = gateway.backends().tcpEcho("b");
    c = gateway.backends().tcpEcho("c");
  }

  /** One TCP listener {@code tcp} on {@code port} in front of pool {@code p}; extra listeners appended. */
  String config(String membersJson, String extraListeners) {
    return "{" + top + """
        "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}%s],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, extraListeners, membersJson);
  }

  String second(int onPort) {
    return ",{\"name\":\"second\",\"protocol\":\"TCP\",\"host\":\"127.0.0.1\",\"protocol_port\":" + onPort
        + ",\"default_pool\":\"p\"}";
  }

  void start(String json) {
    gw = gateway.start(json);
  }

  Runtime runtime() {
    return gw.gateway().runtime();
  }

  ReloadOutcome reload(String json) {
    gw.rewrite(json);
    return Sync.await(runtime().reload());
  }

  static String memberOf(int port) {
    try (TcpClient client = TcpClient.connect(port)) {
      return client.readLine();
    }
  }

  @BeforeEach
  void ports() {
    port = TestPorts.free();
    port2 = TestPorts.free();
    top = head();
  }

  @Test
  void anInvalidVersionIsRefusedAndTheRunningOneKeepsServing() {
    start(config(members(a), ""));
    ReloadOutcome out = reload(config(members(a), "").replace("\"protocol_port\":" + port, "\"protocol_port\":0"));
    assertTrue(out.refused());
    assertEquals(1, out.version());
    assertEquals(java.util.List.of("config error: $.listeners[0].protocol_port: must be 1-65535"), out.errors());
    assertEquals(out.errors(), runtime().view().lastError());
    assertEquals("a", memberOf(port));
    // a good version clears last_error
    ReloadOutcome good = reload(config(members(b), ""));
    assertEquals(new ReloadOutcome(2, true, java.util.List.of()), good);
    assertNull(runtime().view().lastError());
    assertEquals("b", memberOf(port));
  }

  @Test
  void aRenamedNodeKeepsItsNameInTheStatusUntilARestart() {
    start(config(members(a), ""));
    try (LogCapture log = LogCapture.start()) {
      ReloadOutcome out = reload(config(members(b), "").replace("\"name\":\"test\"", "\"name\":\"renamed\""));
      assertEquals(new ReloadOutcome(2, true, java.util.List.of()), out);
      log.await("reload: a change to node.name takes effect at restart");
    }
    try (LogCapture log = LogCapture.start()) {
      // renamed back: what runs is what the file says again, so nothing waits for a restart
      assertEquals(new ReloadOutcome(3, true, java.util.List.of()), reload(config(members(b), "")));
      assertEquals(java.util.List.of(), log.matching("takes effect at restart"));
    }
    // the rest of the version is applied; the status does not claim a name the node does not run under yet
    assertEquals("b", memberOf(port));
    assertEquals("test", gw.status().getString("node"));
    assertEquals("test", gw.status().getJsonObject("cluster").getString("node"));
    assertEquals(java.util.List.of("test"), gw.status().getJsonObject("cluster").getJsonArray("members").getList());
  }

  @Test
  void aMissingFileIsRefusedAndTheRunningVersionKeepsServing() throws Exception {
    start(config(members(a), ""));
    java.nio.file.Files.delete(gw.configFile());
    ReloadOutcome out = Sync.await(runtime().reload());
    assertTrue(out.refused());
    assertTrue(out.errors().get(0).startsWith("config error: $: cannot read " + gw.configFile()), out.errors().toString());
    assertEquals("a", memberOf(port));
  }

  @Test
  void anEmptyFileIsRefusedAndTheRunningVersionKeepsServing() throws Exception {
    start(config(members(a), ""));
    try (LogCapture log = LogCapture.start()) {
      java.nio.file.Files.write(gw.configFile(), new byte[0]); // truncated to nothing, as a full disk leaves it
      assertRefusedWithTheRunningVersionServing(Sync.await(runtime().reload()), log);
    }
  }

  @Test
  void aFileCutShortMidWriteIsRefusedAndTheRunningVersionKeepsServing() throws Exception {
    start(config(members(a), ""));
    try (LogCapture log = LogCapture.start()) {
      String next = config(members(b), "");
      // written in place, not renamed: the first half reached the disk, the rest did not
      java.nio.file.Files.writeString(gw.configFile(), next.substring(0, next.length() / 2));
      assertRefusedWithTheRunningVersionServing(Sync.await(runtime().reload()), log);
    }
  }

  private void assertRefusedWithTheRunningVersionServing(ReloadOutcome out, LogCapture log) {
    assertTrue(out.refused(), out.toString());
    assertFalse(out.errors().isEmpty());
    out.errors().forEach(e -> assertTrue(e.startsWith("config error: $"), e));
    assertEquals(out.errors(), runtime().view().lastError());
    log.await("reload refused: config error: $");
    assertEquals(1, runtime().view().version().number());
    assertEquals("a", memberOf(port));
  }

  @Test
  void warningsOfAReloadedVersionAreLoggedAndTheVersionApplied() {
    start(config(members(a), ""));
    try (LogCapture log = LogCapture.start()) {
      ReloadOutcome out = reload(config(members(b), "").replace("\"protocol\":\"TCP\",\"members\"",
          "\"protocol\":\"TCP\",\"health_monitor\":{\"type\":\"TCP\",\"url_path\":\"/x\"},\"members\""));
      assertEquals(new ReloadOutcome(2, true, java.util.List.of()), out);
      // the same text as start-up and --check print (Main), here as a log line
      String line = log.await("config warning: ");
      assertTrue(line.startsWith("WARNING io.gatehouse.runtime.Runtime: "
          + "config warning: $.pools[0].health_monitor.url_path: used only by HTTP and HTTPS monitors, ignored"),
          line);
      assertEquals("b", memberOf(port));
    }
  }

  @Test
  void aVersionWithAMisspeltFieldIsRefusedAndTheRunningOneKept() {
    start(config(members(a), ""));
    ReloadOutcome out = reload(config(members(b), "").replace("\"protocol\":\"TCP\",\"members\"",
        "\"protocol\":\"TCP\",\"health_moniter\":{\"type\":\"TCP\"},\"members\""));
    assertEquals(java.util.List.of(
        "config error: $.pools[0].health_moniter: unknown field (did you mean health_monitor?)"), out.errors());
    assertEquals(1, runtime().view().version().number());
    assertEquals("a", memberOf(port));
  }

  @Test
  void anUnchangedOrReformattedFileKeepsItsVersion() {
    String json = config(members(a), "");
    start(json);
    assertEquals(new ReloadOutcome(1, false, java.util.List.of()), reload(json));
    assertEquals(new ReloadOutcome(1, false, java.util.List.of()), reload(json.replace(",", ",\n   ")));
  }

  @Test
  void membersAndWeightsChangeInPlaceWithoutTouchingOpenConnections() {
    start(config(members(a), ""));
    try (TcpClient open = TcpClient.connect(port)) {
      assertEquals("a", open.readLine());
      ReloadOutcome out = reload(config(weighted(new Member[] {b, c}, 1, 3), ""));
      assertEquals(2, out.version());
      open.write("still here\n");
      assertEquals("still here", open.readLine());
      java.util.Map<String, Integer> seen = new java.util.HashMap<>();
      for (int i = 0; i < 8; i++) {
        seen.merge(memberOf(port), 1, Integer::sum);
      }
      assertEquals(java.util.Map.of("b", 2, "c", 6), seen);
    }
  }

  @Test
  void theFileIsScannedAndAChangeApplied() {
    top = top.replace("\"scan_period_ms\":0", "\"scan_period_ms\":100");
    start(config(members(a), ""));
    gw.rewrite(config(members(c), ""));
    Await.until(Duration.ofSeconds(10), () -> runtime().view().version().number() == 2, "scan did not apply the file");
    assertEquals("c", memberOf(port));
  }

  @Test
  void listenersAreAddedMovedAndRemovedWhileOpenConnectionsFinish() throws Exception {
    start(config(members(a), ""));
    assertEquals(2, reload(config(members(a), second(port2))).version());
    assertEquals("a", memberOf(port2));
    int moved = TestPorts.free();
    try (TcpClient onOld = TcpClient.connect(port2)) {
      assertEquals("a", onOld.readLine());
      // the listener moves to another port: the old socket stops accepting, the open connection goes on
      assertEquals(3, reload(config(members(a), second(moved))).version());
      assertEquals("a", memberOf(moved));
      assertRefused(port2);
      onOld.write("ping\n");
      assertEquals("ping", onOld.readLine());
    }
    // removed: stops accepting at once
    assertEquals(4, reload(config(members(a), "")).version());
    assertRefused(moved);
    assertEquals("a", memberOf(port));
  }

  /** {@code json} with its TCP listener turned into an SSL one on the same port. */
  static String asSsl(String json) {
    return json.replace("\"protocol\":\"TCP\",\"host\"", "\"protocol\":\"SSL\",\"host\"")
        .replace("\"default_pool\":\"p\"}", "\"default_pool\":\"p\",\"tls\":{\"certificate\":\""
            + io.gatehouse.testkit.TestCerts.RSA_CERT + "\",\"private_key\":\"" + io.gatehouse.testkit.TestCerts.RSA_KEY
            + "\"}}");
  }

  @Test
  void aListenerReplacedOnItsPortAcceptsAsSoonAsEveryReloadReturns() {
    // Vert.x shares one socket among the servers of an address: a replacement that joined the old, closing server
    // was left on a dead socket, refusing every connection (it happened now and then)
    start(config(members(a), ""));
    for (int i = 1; i <= 20; i++) {
      ReloadOutcome out = reload(i % 2 == 1 ? asSsl(config(members(a), "")) : config(members(a), ""));
      assertEquals(1 + i, out.version(), out.toString());
      TcpClient.connect(port).close(); // refused: the replacement is not listening
    }
    assertEquals("a", memberOf(port));
  }

  @Test
  void aProtocolChangeOnTheSamePortReplacesTheListener() {
    start(config(members(a), ""));
    ReloadOutcome out = reload(asSsl(config(members(a), "")));
    assertEquals(2, out.version(), out.toString());
    assertEquals("SSL", runtime().view().listener("tcp").config().protocol().name());
    // plain TCP now gets a TLS server: no greeting in clear
    try (TcpClient client = TcpClient.connect(port)) {
      client.write("hello\n");
      assertFalse("a".equals(client.readLine()));
    } catch (UncheckedIOException reset) {
      // a TLS server may reset a client that speaks plain text: also not the member
    }
  }

  @Test
  void aPortThatCannotBeBoundRefusesTheVersion() throws Exception {
    start(config(members(a), ""));
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      ReloadOutcome out = reload(config(members(b), second(taken.getLocalPort())));
      assertTrue(out.refused());
      assertTrue(out.errors().get(0).startsWith("bind error: listener second: "), out.errors().toString());
      assertEquals(1, runtime().view().version().number());
      assertEquals("a", memberOf(port), "the pool change was applied although the version was refused");
      assertEquals(Set.of("tcp"), new HashSet<>(runtime().view().listeners().keySet()));
    }
  }

  @Test
  void aNewScanPeriodTakesEffectAtTheReloadThatBringsIt() {
    start(config(members(a), ""));
    // scanned every 100 ms from this version on: the next edit is picked up without a POST
    top = top.replace("\"scan_period_ms\":0", "\"scan_period_ms\":100");
    assertEquals(2, reload(config(members(a), "")).version());
    gw.rewrite(config(members(b), ""));
    Await.until(Duration.ofSeconds(10), () -> runtime().view().version().number() == 3, "the edit was not scanned");
    assertEquals("b", memberOf(port));
  }

  /** The old socket closes as the reload completes, asynchronously: within a moment, not instantly. */
  static void assertRefused(int port) {
    Await.until(Duration.ofSeconds(2), () -> {
      try {
        TcpClient.connect(port).close();
        return false;
      } catch (UncheckedIOException refused) {
        return true;
      }
    }, "port " + port + " still accepts");
  }
}
