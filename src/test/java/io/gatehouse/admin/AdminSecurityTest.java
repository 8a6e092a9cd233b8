package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Who can reach the admin API and what it lets slip: loopback by default, a warning when it is exposed without a
 * token, and the token itself never in a log line or a printed configuration record.
 */
class AdminSecurityTest {

  private static final String EXPOSED = "is reachable from other hosts and has no admin.token";

  private static String config(String admin) {
    return "{\"node\":{\"name\":\"test\",\"event_loops\":1},\"admin\":" + admin + ","
        + "\"reload\":{\"scan_period_ms\":0},\"drain_timeout\":1,\"listeners\":[],\"pools\":[]}";
  }

  /** The log lines of one gateway's start on {@code admin} that warn about an exposed admin API. */
  private static List<String> exposureWarnings(String admin) {
    try (LogCapture log = LogCapture.start(); GatewayHarness gw = GatewayHarness.start(config(admin))) {
      return log.matching(EXPOSED);
    }
  }

  @Test
  void aNonLoopbackAdminHostWithoutATokenIsAConfigErrorUnlessInsecure() {
    assertEquals(List.of("config error: $.admin.token: the admin API on 0.0.0.0 can be reached from other hosts:"
        + " set token or token_file (or insecure: true to leave it open to anyone who can reach it)"),
        ConfigParser.parse(config("{\"host\":\"0.0.0.0\",\"port\":9900}"), null).errorLines());
    assertTrue(ConfigParser.parse(config("{\"host\":\"::\",\"port\":9900}"), null).errorLines().get(0)
        .startsWith("config error: $.admin.token: "));
  }

  @Test
  void anInsecureNonLoopbackAdminHostWithoutATokenIsWarnedAboutAtStart() {
    int port = TestPorts.free();
    // the wildcard address: the only non-loopback bind that keeps this test's traffic on the machine
    List<String> warned = exposureWarnings("{\"host\":\"0.0.0.0\",\"port\":" + port + ",\"insecure\":true}");
    assertEquals(1, warned.size(), warned.toString());
    assertTrue(warned.get(0).startsWith("WARNING io.gatehouse.admin.AdminServer: admin API on 0.0.0.0:" + port + " "),
        warned.get(0));
    // a token, or a loopback address other than 127.0.0.1, is no exposure
    assertEquals(List.of(), exposureWarnings("{\"host\":\"0.0.0.0\",\"port\":" + TestPorts.free()
        + ",\"token\":\"t0ken-for-the-warning-test\"}"));
    assertEquals(List.of(), exposureWarnings("{\"host\":\"127.0.0.2\",\"port\":" + TestPorts.free() + "}"));
  }

  /**
   * The admin server keeps the address it was bound to until a restart: a reload that moves it to loopback and
   * drops the token at once would leave the wildcard socket open to the network with no token. Refused; moving
   * first (token kept) and dropping the token after the restart is the way.
   */
  @Test
  void aReloadThatDropsTheTokenWhileTheApiStaysBoundBeyondLoopbackIsRefused() {
    int port = TestPorts.free();
    String token = "t0ken-for-the-bound-address-test";
    try (GatewayHarness gw = GatewayHarness.start(config("{\"host\":\"0.0.0.0\",\"port\":" + port
        + ",\"token\":\"" + token + "\"}"))) {
      AdminClient admin = new AdminClient(port, token);
      AdminClient anonymous = new AdminClient(port, null);
      gw.rewrite(config("{\"host\":\"127.0.0.1\",\"port\":" + port + "}"));
      HttpResponse<String> refused = admin.post("/api/v1/reload");
      assertEquals(400, refused.statusCode(), refused.body());
      assertEquals(List.of("config error: $.admin.token: the admin API stays bound on 0.0.0.0:" + port
          + " until a restart, where other hosts can reach it: keep token or token_file until then"
          + " (or set insecure: true to leave it open)"), gw.gateway().runtime().view().lastError());
      assertEquals(401, anonymous.get("/api/v1/status").statusCode(), "the token still guards the API");
      assertEquals(401, anonymous.post("/api/v1/reload").statusCode());
      // moved with the token kept: applied (the move itself waits for the restart), the token still needed
      gw.rewrite(config("{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"token\":\"" + token + "\"}"));
      assertEquals(200, admin.post("/api/v1/reload").statusCode());
      assertEquals(401, anonymous.get("/api/v1/status").statusCode());
      // an explicit insecure: true is the operator's word
      gw.rewrite(config("{\"host\":\"127.0.0.1\",\"port\":" + port + ",\"insecure\":true}"));
      assertEquals(200, admin.post("/api/v1/reload").statusCode());
      assertEquals(200, anonymous.get("/api/v1/status").statusCode());
    }
  }

  /**
   * Connecting needs no token: the admin API holds at most AdminConnections.MAX connections, refusing the next at
   * accept, so that nobody who can reach it holds the process's file descriptors (and with them every listener).
   */
  @Test
  void theAdminApiRefusesConnectionsPastItsBound() {
    int port = TestPorts.free();
    List<RawHttp> held = new ArrayList<>();
    try (GatewayHarness gw = GatewayHarness.start(config("{\"port\":" + port + "}"))) {
      for (int i = 0; i < AdminConnections.MAX; i++) {
        RawHttp c = new RawHttp(port);
        held.add(c);
        assertEquals(200, c.send(HEALTH).read().status(), "connection " + i);
      }
      try (RawHttp extra = new RawHttp(port)) {
        assertTrue(extra.closedByPeer(), "a connection past the bound was kept");
      }
      held.remove(0).close();
      Await.until(Duration.ofSeconds(5), () -> {
        try (RawHttp next = new RawHttp(port)) {
          return next.send(HEALTH).read().status() == 200;
        } catch (RuntimeException refused) {
          return false;
        }
      }, "no room after a connection closed");
    } finally {
      held.forEach(RawHttp::close);
    }
  }

  private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  @Test
  void byDefaultTheAdminApiListensOnLoopbackOnly() throws Exception {
    int port = TestPorts.free();
    String json = config("{\"port\":" + port + "}");
    try (GatewayHarness gw = GatewayHarness.start(json)) {
      assertEquals("127.0.0.1", ConfigParser.load(gw.configFile()).config().admin().host());
      assertEquals(200, new AdminClient(port, null).get("/health").statusCode());
      // bound to 127.0.0.1 itself, not the wildcard: another address of this machine is refused
      try (Socket s = new Socket()) {
        assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress("127.0.0.2", port), 2000));
      }
    }
  }

  @Test
  void theTokenNeverAppearsInLogsOrInPrintedConfiguration() throws IOException {
    String token = "tok-" + UUID.randomUUID();
    String next = "tok-" + UUID.randomUUID();
    int port = TestPorts.free();
    try (LogCapture log = LogCapture.start();
        GatewayHarness gw = GatewayHarness.start(config("{\"port\":" + port + ",\"token\":\"" + token + "\"}"))) {
      AdminClient anonymous = new AdminClient(port, null);
      AdminClient admin = new AdminClient(port, token);
      assertEquals(401, anonymous.get("/api/v1/status").statusCode());
      assertEquals(401, anonymous.get("/api/v1/status", "Bearer " + next).statusCode());
      assertEquals(200, admin.get("/api/v1/status").statusCode());
      // a refused version, then one that changes the token (at once)
      gw.rewrite(config("{\"port\":" + port + ",\"token\":\"" + next + "\",\"bogus\":1}").replace("[],\"pools", "7,\"pools"));
      assertEquals(400, admin.post("/api/v1/reload").statusCode());
      gw.rewrite(config("{\"port\":" + port + ",\"token\":\"" + next + "\"}"));
      ReloadOutcome applied = Sync.await(gw.gateway().runtime().reload());
      assertEquals(2, applied.version(), applied.toString());
      assertEquals(List.of(), log.matching("takes effect at restart"));

      GatehouseConfig running = gw.gateway().runtime().view().config();
      ConfigResult parsed = ConfigParser.load(gw.configFile());
      for (String printed : List.of(running.toString(), running.admin().toString(), parsed.toString(), log.text())) {
        assertFalse(printed.contains(token), printed);
        assertFalse(printed.contains(next), printed);
      }
      assertTrue(running.admin().toString().contains("token=[redacted]"), running.admin().toString());
    }
  }
}
