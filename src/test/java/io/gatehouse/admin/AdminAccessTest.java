package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
    try (RawHttp http = new RawHttp(port)) {
      return http.send(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
          + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
          + "Content-Length: 0\r\nConnection: close\r\n\r\n").read();
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
    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, "first-token-0123456789\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
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
    assertEquals(List.of("config error: $.admin.allowed_hosts[1]: must be a host name like gw.example.com"),
        ConfigParser.parse(config(9900, ",\"allowed_hosts\":[\"ok.example\",\"http://x/\"]"), dir).errorLines());
  }
}
