package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who the admin API answers: requests naming another site in their {@code Host} get 403 (DNS rebinding, cross-site
 * POSTs from a browser on the operator's machine) except the probes' {@code /health} and Prometheus's
 * {@code /metrics}; the token (inline or from {@code token_file}) and the allowed names are the running version's,
 * so a reload changes them at once.
 */
class AdminAccessTest {

  @TempDir
  Path dir;

  private static String config(int port, String admin) {
    return "{\"node\":{\"name\":\"test\",\"event_loops\":1},\"admin\":{\"port\":" + port + admin + "},"
        + "\"reload\":{\"scan_period_ms\":0},\"drain_timeout\":1,\"listeners\":[],\"pools\":[]}";
  }

  private static RawHttp.Response get(int port, String path, String host, String token) {
    return send(port, "GET", path, host, token);
  }

  private static RawHttp.Response send(int port, String method, String path, String host, String token) {
    return raw(port, method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n"));
  }

  /** admin.token holding {@code content}, readable by its owner only. */
  private Path privateTokenFile(String content) throws IOException {
    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, content);
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    return tokenFile;
  }

  /** {@code head} (request line and headers, each line ended) then an empty body, on a connection of its own. */
  private static RawHttp.Response raw(int port, String head) {
    try (RawHttp http = new RawHttp(port)) {
      return http.send(head + "Content-Length: 0\r\nConnection: close\r\n\r\n").read();
    }
  }

  private static RawHttp.Response reloadFrom(int port, String headers) {
    return raw(port, "POST /api/v1/reload HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + headers);
  }

  /**
   * A page of another site in the operator's browser can POST to the admin API on loopback (the Host is loopback,
   * no token there): its browser says where the request comes from, and a change from another site is refused.
   * Scripts (no Origin) and the API's own origin still change it; reads are not refused.
   */
  @Test
  void aChangeFromAnotherSiteIsForbidden() {
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start(config(port, ""))) {
      gw.rewrite(config(port, ",\"allowed_hosts\":[\"gw.example.test\"]")); // a change a reload would apply
      for (String crossSite : List.of("Origin: http://evil.example\r\n", "Origin: null\r\n",
          "Origin: http://127.0.0.1:" + (port + 1) + "\r\n", "Origin: https://127.0.0.1:" + port + "\r\n",
          "Origin: http://localhost:" + port + "\r\n", "Sec-Fetch-Site: cross-site\r\n",
          "Sec-Fetch-Site: same-site\r\nOrigin: http://127.0.0.1:" + port + "\r\n")) {
        RawHttp.Response r = reloadFrom(port, crossSite);
        assertEquals(403, r.status(), crossSite);
        assertTrue(r.body().contains("may not change the gateway"), r.body());
      }
      assertEquals(1, gw.gateway().runtime().view().version().number(), "a refused request reloaded");
      assertEquals(200, raw(port, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
          + "Sec-Fetch-Site: cross-site\r\n").status(), "a read: the browser keeps its answer from the page");
      // the dashboard's own origin, as a browser sends it
      assertEquals(200, reloadFrom(port, "Origin: http://127.0.0.1:" + port + "\r\nSec-Fetch-Site: same-origin\r\n")
          .status());
      assertEquals(2, gw.gateway().runtime().view().version().number());
      assertEquals(200, reloadFrom(port, "").status(), "curl");
      assertEquals(200, raw(port, "POST /api/v1/reload HTTP/1.1\r\nHost: localhost.:" + port + "\r\n"
          + "Origin: http://LOCALHOST:" + port + "\r\nSec-Fetch-Site: none\r\n").status());
    }
  }

  /**
   * The authority the admin API checks is the one the request names: an absolute-form target's over Host, one Host
   * line only, a final dot ignored.
   */
  @Test
  void theHostCheckedIsTheOneTheRequestNames() {
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start(config(port,
        ",\"allowed_hosts\":[\"gw.example.test.\",\"2001:DB8::0007\"]"))) {
      assertEquals(403, raw(port, "GET http://evil.example/api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n").status());
      assertEquals(200, raw(port, "GET http://127.0.0.1:" + port + "/api/v1/status HTTP/1.1\r\nHost: evil.example\r\n")
          .status());
      RawHttp.Response twice = raw(port, "GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n");
      assertEquals(400, twice.status());
      assertTrue(twice.body().contains("more than one Host header"), twice.body());
      for (String host : List.of("localhost.", "localhost.:" + port, "gw.example.test", "GW.example.test.:" + port,
          "[2001:db8::7]:" + port)) {
        assertEquals(200, get(port, "/api/v1/status", host, null).status(), host);
      }
      assertEquals(403, get(port, "/api/v1/status", "evil.example.", null).status());
      for (String host : List.of("localhost..", "localhost:x", "localhost:99999", "user@localhost",
          "127.0.0.1:" + port + "@evil.example", "local host")) {
        assertEquals(400, get(port, "/api/v1/status", host, null).status(), host);
      }
    }
  }

  @Test
  void anAllowedHostWithAPortOrCharactersNoHostHasIsAConfigError() {
    String expected = ": must be a host name like gw.example.com or an IP address, without a port or scheme";
    for (String bad : List.of("gw.example.test:9900", "gw example", "http://gw", "[gw.example]", "[::1]:9900", "",
        "gw/x", "1.2.3.4:80")) {
      assertEquals(List.of("config error: $.admin.allowed_hosts[1]" + expected),
          ConfigParser.parse(config(9900, ",\"allowed_hosts\":[\"ok.example\",\"" + bad + "\"]"), dir).errorLines(),
          bad);
    }
    assertEquals(List.of("gw.example.test", "::1", "2001:db8::7", "10.0.0.1", "gw_1"),
        ConfigParser.parse(config(9900, ",\"allowed_hosts\":[\"GW.example.test.\",\"[::1]\",\"2001:db8::7\","
            + "\"10.0.0.1\",\"gw_1\"]"), dir).config().admin().allowedHosts());
  }

  /** The reload scan reads the token file too: a rotated token takes over without a POST, an emptied file is refused. */
  @Test
  void theReloadScanPicksUpATokenFileChangeAndRefusesABadOne() throws IOException {
    Path tokenFile = privateTokenFile("first-token-0123456789\n");
    int port = TestPorts.free();
    String json = config(port, ",\"token_file\":\"" + tokenFile + "\"").replace("\"scan_period_ms\":0",
        "\"scan_period_ms\":100");
    try (GatewayHarness gw = GatewayHarness.start(json)) {
      Path watched = gw.gateway().runtime().view().config().admin().tokenFile();
      assertEquals(tokenFile, watched);
      AdminClient first = new AdminClient(port, "first-token-0123456789");
      AdminClient second = new AdminClient(port, "second-token-0123456789");
      assertEquals(200, first.get("/api/v1/status").statusCode());
      Files.writeString(watched, "second-token-0123456789\n");
      Await.until(Duration.ofSeconds(10), () -> second.get("/api/v1/status").statusCode() == 200,
          "the rotated token was not picked up by the scan");
      assertEquals(401, first.get("/api/v1/status").statusCode());
      // again, well after the retriever's first scan (which reloads whatever it reads)
      AdminClient third = new AdminClient(port, "third-token-0123456789");
      Files.writeString(watched, "third-token-0123456789\n");
      Await.until(Duration.ofSeconds(10), () -> third.get("/api/v1/status").statusCode() == 200,
          "the rotated token was not picked up by the scan");
      assertEquals(401, second.get("/api/v1/status").statusCode());
      int version = gw.gateway().runtime().view().version().number();

      Files.writeString(watched, "\n");
      Await.until(Duration.ofSeconds(10), () -> gw.gateway().runtime().view().lastError() != null,
          "the emptied token file was not refused by the scan");
      assertEquals(List.of("config error: $.admin.token_file: file is empty: " + watched),
          gw.gateway().runtime().view().lastError());
      assertEquals(200, third.get("/api/v1/status").statusCode(), "the running version is kept");
      HttpResponse<String> posted = third.post("/api/v1/reload");
      assertEquals(400, posted.statusCode(), "a refused reload, not unchanged: " + posted.body());
      assertTrue(posted.body().contains("config error: $.admin.token_file: file is empty"), posted.body());

      Files.writeString(watched, "third-token-0123456789\n");
      Await.until(Duration.ofSeconds(10), () -> gw.gateway().runtime().view().lastError() == null,
          "the good file back clears the error");
      assertEquals(version, gw.gateway().runtime().view().version().number(), "the same token: unchanged");
    }
  }

  @Test
  void aRequestNamingAnotherHostIsForbiddenExceptHealthAndMetrics() {
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start(config(port, ",\"allowed_hosts\":[\"gw.example.test\"]"))) {
      RawHttp.Response status = get(port, "/api/v1/status", "evil.example:" + port, null);
      assertEquals(403, status.status());
      assertTrue(status.header("Content-Type").startsWith("text/plain"), status.head());
      assertEquals(403, send(port, "POST", "/api/v1/reload", "evil.example", null).status());
      assertEquals(403, get(port, "/", "evil.example", null).status(), "the dashboard page");
      assertEquals(403, get(port, "/api/v1/status", "127.0.0.1.evil.example", null).status());
      assertEquals(403, get(port, "/api/v1/status", "", null).status());
      // probes and Prometheus reach the node by a service name
      assertEquals(200, get(port, "/health", "evil.example", null).status());
      assertEquals(200, get(port, "/metrics", "gatehouse-1:9900", null).status());
      for (String host : List.of("127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost", "127.9.8.7",
          "[::1]:" + port, "[::1]", "gw.example.test", "GW.Example.Test:" + port)) {
        assertEquals(200, get(port, "/api/v1/status", host, null).status(), host);
      }
    }
  }

  @Test
  void allowedHostsChangedByAReloadApplyAtOnce() {
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start(config(port, ""))) {
      assertEquals(403, get(port, "/api/v1/status", "gw.example.test", null).status());
      gw.rewrite(config(port, ",\"allowed_hosts\":[\"gw.example.test\"]"));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      assertEquals(200, get(port, "/api/v1/status", "gw.example.test", null).status());
    }
  }

  @Test
  void aTokenChangedByAReloadIsTheOnlyOneAtOnce() {
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start(config(port, ",\"token\":\"old-token-0123456789\""))) {
      AdminClient old = new AdminClient(port, "old-token-0123456789");
      AdminClient next = new AdminClient(port, "new-token-0123456789");
      assertEquals(200, old.get("/api/v1/status").statusCode());
      assertEquals(401, next.get("/api/v1/status").statusCode());
      gw.rewrite(config(port, ",\"token\":\"new-token-0123456789\""));
      assertEquals(200, old.post("/api/v1/reload").statusCode());
      assertEquals(401, old.get("/api/v1/status").statusCode());
      assertEquals(401, old.post("/api/v1/reload").statusCode());
      assertEquals(200, next.get("/api/v1/status").statusCode());
    }
  }

  @Test
  void aTokenFileIsReadAtStartAndAtEachReload() throws IOException {
    Path tokenFile = privateTokenFile("first-token-0123456789\n");
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start(config(port, ",\"token_file\":\"" + tokenFile + "\""))) {
      AdminClient first = new AdminClient(port, "first-token-0123456789");
      AdminClient second = new AdminClient(port, "second-token-0123456789");
      assertEquals(200, first.get("/api/v1/status").statusCode());
      assertEquals(401, new AdminClient(port, null).get("/api/v1/status").statusCode());
      // the configuration text is the same: the file's new token is the change
      Files.writeString(tokenFile, "second-token-0123456789\n");
      ReloadOutcome outcome = Sync.await(gw.gateway().runtime().reload());
      assertTrue(outcome.changed(), outcome.toString());
      assertEquals(401, first.get("/api/v1/status").statusCode());
      assertEquals(200, second.get("/api/v1/status").statusCode());
    }
  }

  @Test
  void aTokenFileIsRelativeToTheConfigurationAndWarnedAboutWhenOthersCanReadIt() throws IOException {
    Files.writeString(dir.resolve("admin.token"), "  a-token-from-a-file \n");
    Files.setPosixFilePermissions(dir.resolve("admin.token"), PosixFilePermissions.fromString("rw-r--r--"));
    ConfigResult r = ConfigParser.parse(config(9900, ",\"host\":\"0.0.0.0\",\"token_file\":\"admin.token\""), dir);
    assertEquals(List.of(), r.errorLines());
    assertEquals("a-token-from-a-file", r.config().admin().token());
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).contains("$.admin.token_file")
        && r.warnings().get(0).contains("can be read by other users; chmod 600 it"), r.warnings().get(0));
  }

  @Test
  void tokenAndTokenFileTogetherOrABadNameAreConfigErrors() throws IOException {
    Files.writeString(dir.resolve("admin.token"), "t\n");
    assertEquals(List.of("config error: $.admin.token_file: give either token or token_file, not both"),
        ConfigParser.parse(config(9900, ",\"token\":\"x\",\"token_file\":\"admin.token\""), dir).errorLines());
    Files.writeString(dir.resolve("empty.token"), " \n");
    assertEquals(List.of("config error: $.admin.token_file: file is empty: " + dir.resolve("empty.token")),
        ConfigParser.parse(config(9900, ",\"token_file\":\"empty.token\""), dir).errorLines());
  }
}
