package io.gatehouse.listener;

import static io.gatehouse.listener.ForwardedHeadersTest.received;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code insert_headers."X-Request-Id"} and {@code "traceparent"} through a real gateway: the ID the member gets,
 * the one the client gets back and the one in the access log are the same; a client's own ID counts only from a
 * trusted proxy; trace context passes untouched or is started. The member echoes the headers it received.
 */
class RequestIdTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTP", "HTTP");
  static Member a;

  @BeforeAll
  static void startMember() {
    a = gateway.backends().http("a");
  }

  static RawHttp.Response get(String path, String... headers) {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      return raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + String.join("", headers)
          + "Connection: close\r\n\r\n").read();
    }
  }

  /** The one X-Request-Id the member received, which the client and the access log must show too. */
  static String sameIdEverywhere(GatewayHarness gw, RawHttp.Response r, String path) {
    List<String> atMember = received(r.body(), "X-Request-Id");
    assertEquals(1, atMember.size(), r.body());
    String id = atMember.get(0);
    assertEquals(id, r.header("X-Request-Id"), r.head());
    String line = gw.awaitAccessLog("path=" + path + " ");
    assertTrue(line.endsWith(" request_id=" + id), line);
    return id;
  }

  @Test
  void anUntrustedClientsIdIsReplacedByARandom128BitOne() {
    GatewayHarness gw = gateway.start("", "", members(a));
    RawHttp.Response r = get("/one", "X-Request-Id: chosen-by-client\r\n");
    assertEquals(200, r.status(), r.head());
    String id = sameIdEverywhere(gw, r, "/one");
    assertTrue(id.matches("[0-9a-f]{32}"), id);
    // the first ID of a fresh event loop is as random as any (a badly seeded generator began with ffffff)
    assertTrue(!id.startsWith("fffff"), id);
    String other = sameIdEverywhere(gw, get("/two"), "/two");
    assertNotEquals(id, other);
  }

  @Test
  void aTrustedProxysSaneIdIsKeptAndAnInsaneOneReplaced() {
    GatewayHarness gw = gateway.start(",\"trusted_proxies\":[\"127.0.0.0/8\"]", "", members(a));
    assertEquals("edge-4711", sameIdEverywhere(gw, get("/kept", "X-Request-Id: edge-4711\r\n"), "/kept"));
    String tooLong = "x".repeat(129);
    String replaced = sameIdEverywhere(gw, get("/long", "X-Request-Id: " + tooLong + "\r\n"), "/long");
    assertTrue(replaced.matches("[0-9a-f]{32}"), replaced);
    String spaced = sameIdEverywhere(gw, get("/spaced", "X-Request-Id: two words\r\n"), "/spaced");
    assertTrue(spaced.matches("[0-9a-f]{32}"), spaced);
    String twice = sameIdEverywhere(gw, get("/twice", "X-Request-Id: a\r\nX-Request-Id: b\r\n"), "/twice");
    assertTrue(twice.matches("[0-9a-f]{32}"), twice);
  }

  @Test
  void theGatewaysOwnAnswersCarryTheIdToo() {
    GatewayHarness gw = gateway.start("", "", "[]");
    RawHttp.Response r = get("/none");
    assertEquals(503, r.status(), r.head());
    String id = r.header("X-Request-Id");
    assertTrue(id != null && id.matches("[0-9a-f]{32}"), r.head());
    String line = gw.awaitAccessLog("path=/none ");
    assertTrue(line.contains(" status=503 ") && line.endsWith(" request_id=" + id), line);

    // refused before routing: a request-target with a control character
    RawHttp.Response bad = get("/a\u0001b");
    assertEquals(400, bad.status(), bad.head());
    String badId = bad.header("X-Request-Id");
    assertTrue(badId != null && badId.matches("[0-9a-f]{32}"), bad.head());
    assertTrue(gw.awaitAccessLog(" status=400 ").endsWith(" request_id=" + badId));
  }

  @Test
  void offTheClientsHeaderPassesAsAnyOther() {
    GatewayHarness gw = gateway.start(",\"insert_headers\":{\"X-Request-Id\":false}", "", members(a));
    RawHttp.Response r = get("/off", "X-Request-Id: mine\r\n");
    assertEquals(List.of("mine"), received(r.body(), "X-Request-Id"));
    assertNull(r.header("X-Request-Id"), r.head());
    assertTrue(gw.awaitAccessLog("path=/off ").endsWith(" request_id=-"));
  }

  @Test
  void traceContextPassesUntouchedUnlessAskedToStartOne() {
    String invalid = "traceparent: 00-notatrace\r\ntracestate: k=v\r\n";
    gateway.start("", "", members(a));
    RawHttp.Response r = get("/t", invalid);
    assertEquals(List.of("00-notatrace"), received(r.body(), "traceparent"), "default: untouched, even invalid");
    assertEquals(List.of("k=v"), received(r.body(), "tracestate"));
    assertEquals(List.of(), received(get("/t").body(), "traceparent"), "none started by default");
  }

  @Test
  void traceparentTrueStartsATraceWhereNoneOrAnInvalidOneCame() {
    gateway.start(",\"insert_headers\":{\"traceparent\":true}", "", members(a));
    List<String> started = received(get("/t").body(), "traceparent");
    assertEquals(1, started.size());
    assertTrue(started.get(0).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), started.get(0));

    String valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
    RawHttp.Response kept = get("/t", "traceparent: " + valid + "\r\ntracestate: congo=t61rcWkgMzE\r\n");
    assertEquals(List.of(valid), received(kept.body(), "traceparent"));
    assertEquals(List.of("congo=t61rcWkgMzE"), received(kept.body(), "tracestate"));

    String zeros = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
    RawHttp.Response restarted = get("/t", "traceparent: " + zeros + "\r\ntracestate: congo=x\r\n");
    List<String> fresh = received(restarted.body(), "traceparent");
    assertEquals(1, fresh.size());
    assertTrue(fresh.get(0).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01") && !fresh.get(0).equals(zeros), fresh.get(0));
    assertEquals(List.of(), received(restarted.body(), "tracestate"), "an invalid parent's state goes with it");
  }

  @Test
  void anH2ClientGetsTheSameIdAsItsMemberAndTheLog() {
    GatewayHarness gw = gateway.start(",\"http2_enable\":true", "", members(a));
    HttpClient client = gateway.backends().vertx().createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      String[] back = new String[2];
      String body = Sync.await(client.request(new RequestOptions().setHost("127.0.0.1").setPort(gateway.port())
          .setURI("/h2").putHeader("X-Request-Id", "from-client")).compose(req -> req.send()).compose(resp -> {
            back[0] = resp.getHeader("x-request-id");
            back[1] = resp.version().name();
            return resp.body();
          })).toString();
      assertEquals("HTTP_2", back[1]);
      List<String> atMember = received(body, "X-Request-Id");
      assertEquals(List.of(back[0]), atMember, body);
      assertTrue(back[0].matches("[0-9a-f]{32}"), back[0]);
      String line = gw.awaitAccessLog("path=/h2 ");
      assertTrue(line.contains(" http_version=h2 ") && line.endsWith(" request_id=" + back[0]), line);
    } finally {
      Sync.await(client.close());
    }
  }

  @Test
  void anHttpsLineNamesTheTlsVersionAndCipher() {
    int port = TestPorts.free();
    GatewayHarness gw = gateway.start("{" + Configs.head() + """
        "listeners":[{"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
          "http2_enable":true,"tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, members(a)));
    HttpClient client = gateway.backends().vertx().createHttpClient(new HttpClientOptions().setSsl(true)
        .setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2)
        .setTrustOptions(new PemTrustOptions().addCertPath(TestCerts.CA_CERT.toString())));
    try {
      Sync.await(client.request(new RequestOptions().setHost("localhost").setPort(port).setURI("/tls"))
          .compose(req -> req.send()).compose(resp -> resp.body()));
      String line = gw.awaitAccessLog("path=/tls ");
      assertTrue(line.matches(".* http_version=h2 tls_version=TLSv1\\.[23] tls_cipher=TLS_[A-Z0-9_]+ .*"), line);
    } finally {
      Sync.await(client.close());
    }
  }
}
