package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code session_key_file}: a standalone node's HTTP_COOKIE cookies stay valid across a restart. */
class SessionKeyFileTest {

  @TempDir
  Path dir;

  private final Backends backends = new Backends();
  private final Backends.Member[] web = {backends.http("w1"), backends.http("w2"), backends.http("w3")};
  private int port;

  @AfterEach
  void stop() {
    backends.close();
  }

  @Test
  void aCookieIssuedBeforeARestartStillNamesItsMember() throws IOException {
    Path key = dir.resolve("session.key");
    Files.writeString(key, "a-session-key-0123456789abcdef0123\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    String cookie;
    String member;
    try (GatewayHarness gw = GatewayHarness.start(config(",\"session_key_file\":\"" + key + "\""))) {
      RawHttp.Response first = get(null);
      cookie = first.header("Set-Cookie").split(";")[0];
      member = first.header("X-Member");
    }
    try (GatewayHarness restarted = GatewayHarness.start(config(",\"session_key_file\":\"" + key + "\""))) {
      RawHttp.Response r = get(cookie);
      assertEquals(member, r.header("X-Member"));
      assertNull(r.header("Set-Cookie"), "the cookie still verifies: not replaced");
    }
    // without the file each process makes up its own key: the same cookie is refused and replaced
    try (GatewayHarness keyless = GatewayHarness.start(config(""))) {
      assertNotNull(get(cookie).header("Set-Cookie"));
    }
  }

  @Test
  void theLogSaysWhereTlsTicketKeysComeFrom() throws IOException {
    Path key = dir.resolve("session.key");
    Files.writeString(key, "a-session-key-0123456789abcdef0123\n");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    try (LogCapture log = LogCapture.start()) {
      try (GatewayHarness gw = GatewayHarness.start(config(",\"session_key_file\":\"" + key + "\""))) {
        log.await("tls: session tickets (engine boringssl) sealed with hourly keys from session_key_file");
      }
      try (GatewayHarness keyless = GatewayHarness.start(config(""))) {
        log.await("sealed with hourly keys from a key of this process");
      }
      assertFalse(log.text().contains("a-session-key"), "key bytes in the log");
    }
  }

  private String config(String extra) {
    port = TestPorts.free();
    return "{" + Configs.head() + "\"listeners\":[{\"name\":\"web\",\"protocol\":\"HTTP\",\"host\":\"127.0.0.1\","
        + "\"protocol_port\":" + port + ",\"default_pool\":\"p\"}],\"pools\":[{\"name\":\"p\",\"protocol\":\"HTTP\","
        + "\"session_persistence\":{\"type\":\"HTTP_COOKIE\"},\"members\":" + Configs.members(web) + "}]" + extra
        + "}";
  }

  private RawHttp.Response get(String cookie) {
    try (RawHttp http = new RawHttp(port)) {
      return http.send("GET /who HTTP/1.1\r\nHost: test\r\n" + (cookie == null ? "" : "Cookie: " + cookie + "\r\n")
          + "Connection: close\r\n\r\n").read();
    }
  }
}
