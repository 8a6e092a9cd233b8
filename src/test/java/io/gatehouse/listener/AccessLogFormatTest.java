package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TlsClients;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The access log's two formats ({@code log.access_format}) through a real gateway: the JSON line parsed by a JSON
 * parser (fields and their types), the text line with the first round's keys in order and the new ones after, and
 * values a client chose (user agent, path) that cannot forge a field or a line in either.
 */
class AccessLogFormatTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTP", "HTTP");
  static Member a;

  /** A user agent that would add fields and end a JSON string if written as it came; obs-text bytes too. */
  static final String FORGING_AGENT = "curl/8 \" status=999 end=forged\t\\\u00e9";

  @BeforeAll
  static void startMember() {
    a = gateway.backends().http("a");
  }

  static RawHttp.Response get(String target, String agent) {
    return get(gateway.port(), target, agent);
  }

  static RawHttp.Response get(int port, String target, String agent) {
    try (RawHttp raw = new RawHttp(port)) {
      raw.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nUser-Agent: " + agent + "\r\nConnection: close\r\n\r\n");
      return raw.read();
    }
  }

  @Test
  void aJsonLineHasEveryFieldWithItsType() {
    int port = port();
    GatewayHarness gw = gateway.start("{" + Configs.head().replace("\"drain_timeout\":1,",
        "\"drain_timeout\":1,\"log\":{\"access_format\":\"json\"},") + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, members(a)));
    RawHttp.Response r = get(port, "/json/path?q=1&x=%22", FORGING_AGENT);
    assertEquals(200, r.status());
    String line = gw.awaitAccessLog("/json/path");
    JsonObject j = new JsonObject(line);
    assertTrue(j.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), line);
    assertEquals("web", j.getString("listener"));
    assertEquals("HTTP", j.getString("protocol"));
    assertEquals("127.0.0.1", j.getString("client_ip"));
    assertTrue(j.getValue("client_port") instanceof Integer, line);
    assertEquals("127.0.0.1:" + j.getInteger("client_port"), j.getString("client"));
    assertEquals("GET", j.getString("method"));
    assertEquals("x", j.getString("host"));
    assertEquals("/json/path", j.getString("path"));
    assertEquals("q=1&x=%22", j.getString("query"));
    assertEquals("HTTP/1.1", j.getString("http_version"));
    assertEquals(200, j.getValue("status"));
    assertTrue(j.containsKey("policy") && j.getValue("policy") == null, line);
    assertEquals("p", j.getString("pool"));
    assertEquals("127.0.0.1:" + a.port(), j.getString("member"));
    assertTrue(j.getValue("in") instanceof Integer && j.getInteger("in") > 0, line);
    assertTrue(j.getValue("out") instanceof Integer && j.getInteger("out") > 0, line);
    assertTrue(j.getValue("duration_ms") instanceof Integer, line);
    assertTrue(j.getValue("member_ms") instanceof Integer, line);
    assertNull(j.getValue("sticky"));
    assertEquals("ok", j.getString("end"));
    assertNull(j.getValue("tls_version"));
    assertNull(j.getValue("tls_cipher"));
    assertEquals(FORGING_AGENT, j.getString("user_agent"), "the client's value, exactly, inside its string");
    assertEquals(r.header("X-Request-Id"), j.getString("request_id"));
    assertTrue(line.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "one ASCII line: " + line);
  }

  @Test
  void theTextLineKeepsItsKeysInOrderAndQuotesWhatAClientCouldForge() {
    GatewayHarness gw = gateway.start("", "", members(a));
    RawHttp.Response r = get("/text?a=b", FORGING_AGENT);
    String line = gw.awaitAccessLog("path=/text ");
    Map<String, String> f = fields(line);
    assertEquals(String.join(",", "client", "method", "host", "path", "status", "policy", "pool", "member", "in",
        "out", "duration_ms", "member_ms", "sticky", "end", "query", "http_version", "tls_version", "tls_cipher",
        "user_agent", "request_id"), String.join(",", f.keySet()), line);
    assertEquals("200", f.get("status"));
    assertEquals("ok", f.get("end"));
    assertEquals("a=b", f.get("query"));
    assertEquals("HTTP/1.1", f.get("http_version"));
    assertEquals("\"curl/8 \\\" status=999 end=forged\\t\\\\\\u00e9\"", f.get("user_agent"), line);
    assertEquals(r.header("X-Request-Id"), f.get("request_id"));
    assertEquals(1, gw.accessLogLines("forged").size(), "one line");
    // without a query, no query key
    get("/noquery", "plain");
    assertFalse(gw.awaitAccessLog("path=/noquery ").contains(" query="));
  }

  @Test
  void anL4LineInJson() {
    Member echo = gateway.backends().tcpEcho("echo");
    int port = port();
    GatewayHarness gw = gateway.start("{" + Configs.head().replace("\"drain_timeout\":1,",
        "\"drain_timeout\":1,\"log\":{\"access_format\":\"json\"},") + """
        "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, members(echo)));
    try (TcpClient c = TcpClient.connect(port)) {
      assertEquals("echo", c.readLine());
      c.write("hello");
      c.readExactly(5);
    }
    JsonObject j = new JsonObject(gw.awaitAccessLog("\"listener\":\"tcp\""));
    assertEquals("TCP", j.getString("protocol"));
    assertEquals("127.0.0.1", j.getString("client_ip"));
    assertEquals("127.0.0.1:" + echo.port(), j.getString("member"));
    assertEquals("p", j.getString("pool"));
    assertEquals(5, j.getValue("in"));
    assertEquals(10, j.getValue("out"), "the greeting and the echo");
    assertTrue(j.getValue("duration_ms") instanceof Integer);
    assertTrue(j.containsKey("end") && j.containsKey("tls_version"), j.encode());
  }

  @Test
  void anSslLineNamesTheAgreedTlsVersionAndCipher() throws Exception {
    Member echo = gateway.backends().tcpEcho("echo");
    int port = port();
    GatewayHarness gw = gateway.start("{" + Configs.head() + """
        "listeners":[{"name":"ssl","protocol":"SSL","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
          "tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, members(echo)));
    String protocol;
    String suite;
    try (SSLSocket s = TlsClients.socket(port, TlsClients.context(null, null))) {
      s.startHandshake();
      protocol = s.getSession().getProtocol();
      suite = s.getSession().getCipherSuite();
      s.getInputStream().readNBytes(5); // the greeting
    }
    String line = gw.awaitAccessLog(" ssl SSL ");
    assertTrue(line.endsWith(" pool=p tls_version=" + protocol + " tls_cipher=" + suite), line);
  }

  private static int port() {
    return TestPorts.free();
  }

  /**
   * A text line's {@code key=value} fields after its three-part head, in order; a quoted value is taken whole, its
   * quotes kept, as a log shipper's parser would.
   */
  static Map<String, String> fields(String line) {
    Map<String, String> out = new LinkedHashMap<>();
    int i = 0;
    for (int spaces = 0; spaces < 3; i++) {
      if (line.charAt(i) == ' ') {
        spaces++;
      }
    }
    while (i < line.length()) {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq);
      int end = eq + 1;
      if (line.charAt(end) == '"') {
        end++;
        while (line.charAt(end) != '"') {
          end += line.charAt(end) == '\\' ? 2 : 1;
        }
        end++;
      } else {
        while (end < line.length() && line.charAt(end) != ' ') {
          end++;
        }
      }
      assertNull(out.put(key, line.substring(eq + 1, end)), "key twice: " + key + " in " + line);
      i = end + 1;
    }
    return out;
  }
}
