package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Http3Client;
import io.gatehouse.testkit.Http3Client.Response;
import io.gatehouse.testkit.HttpMembers;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The QUIC (HTTP/3) listener with Netty's HTTP/3 client: requests, bodies, streams, ACL, reloads, failures. */
class QuicListenerTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Backends backends;
  static Member a;
  static Member b;
  GatewayHarness gw;
  int port;

  @BeforeAll
  static void startMembers() {
    backends = gateway.backends();
    a = backends.http("a");
    b = backends.http("b");
  }

  static String tls() {
    return "\"tls\":{\"certificate\":\"" + TestCerts.RSA_CERT + "\",\"private_key\":\"" + TestCerts.RSA_KEY + "\"}";
  }

  String config(String listenerExtra, String poolExtra, String membersJson) {
    return "{" + head() + """
        "listeners":[{"name":"h3","protocol":"QUIC","host":"127.0.0.1","protocol_port":%d,
                      "default_pool":"p",%s%s}],
        "pools":[{"name":"p","protocol":"HTTP"%s,"members":%s}]}
        """.formatted(port, tls(), listenerExtra, poolExtra, membersJson);
  }

  void start(String listenerExtra, String poolExtra, String membersJson) {
    port = TestPorts.free();
    gw = gateway.start(config(listenerExtra, poolExtra, membersJson));
  }

  @Test
  void getAndPostReachTheMemberWithForwardingHeaders() throws Exception {
    start("", "", members(a));
    try (Http3Client h3 = Http3Client.connect(port)) {
      Response got = h3.get("/hello?x=1");
      assertEquals(200, got.status(), got.text());
      assertTrue(got.text().startsWith("member=a"), got.text());
      assertTrue(got.text().contains("x-forwarded-proto: https"), got.text());
      assertTrue(got.text().contains("x-forwarded-for: 127.0.0.1"), got.text());
      assertTrue(got.text().contains("x-forwarded-port: " + port), got.text());
      assertTrue(got.text().contains("host: 127.0.0.1:" + port), got.text());
      assertTrue(got.text().contains("x-request-id: "), got.text());
      assertTrue(!got.text().contains("transfer-encoding") && !got.text().contains("x-http3"),
          "a GET without a body reaches the member without one: " + got.text());
      assertTrue(got.header("x-request-id") != null, "the request ID goes back to the client");

      Response echoed = Http3Client.await(h3.send("POST", "/echo", Map.of("content-type", "text/plain"),
          "hello over h3".getBytes()));
      assertEquals(200, echoed.status());
      assertEquals("hello over h3", echoed.text());
    }
    String line = gw.awaitAccessLog("/hello");
    assertTrue(line.contains("HTTP/3") && line.contains("QUIC"), line);
    Await.until(Duration.ofSeconds(5), () -> gw.metrics().contains(
        "gatehouse_http_requests_total{code=\"200\",listener=\"h3\",member=\"127.0.0.1:" + a.port() + "\",pool=\"p\"} 2.0"),
        () -> "h3 requests counted: " + gw.metrics());
  }

  @Test
  void largeBodiesStreamBothWaysIntact() throws Exception {
    start("", "", members(a));
    byte[] up = new byte[6 << 20];
    new Random(19).nextBytes(up);
    long down = 8L << 20;
    try (Http3Client h3 = Http3Client.connect(port)) {
      Response sha = Http3Client.await(h3.send("POST", "/sha", Map.of(), up));
      assertEquals(200, sha.status());
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(up)), sha.text(),
          "a 6 MB upload (no Content-Length: sent on as chunked) arrives whole");
      Response got = h3.get("/download/" + down);
      assertEquals(200, got.status());
      assertEquals(down, got.body().length);
      assertEquals(HttpMembers.downloadSha(down),
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got.body())), "an 8 MB download");
    }
  }

  @Test
  void manyConcurrentStreamsOnOneConnection() throws Exception {
    start("", "", members(a, b));
    try (Http3Client h3 = Http3Client.connect(port)) {
      List<CompletableFuture<Response>> all = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        all.add(h3.send("POST", "/echo", Map.of("content-length", "8"), ("body-" + (100 + i)).getBytes()));
      }
      for (int i = 0; i < all.size(); i++) {
        Response r = Http3Client.await(all.get(i));
        assertEquals(200, r.status());
        assertEquals("body-" + (100 + i), r.text(), "each stream gets its own answer");
      }
    }
    Await.until(Duration.ofSeconds(5), () -> gw.accessLogLines("path=/echo").size() == 80,
        () -> "80 access lines: " + gw.accessLogLines("path=/echo").size());
    assertEquals(1, gw.accessLogLines("path=/echo").stream().map(l -> l.replaceAll(".*client=([^ ]+).*", "$1"))
        .distinct().count(), "one connection, one client port");
  }

  @Test
  void aClientTheAclRefusesGetsNoAnswerAtAll() throws Exception {
    start(",\"ip_group\":{\"type\":\"white\",\"cidrs\":[\"10.0.0.0/8\"]}", "", members(a));
    int hits = a.hits.get();
    assertThrows(Exception.class, () -> Http3Client.connect(port, Duration.ofSeconds(2)).close(),
        "no handshake with a refused client");
    assertTrue(gw.metrics().contains(
        "gatehouse_listener_connections_refused_total{listener=\"h3\",reason=\"acl\"}"), gw.metrics());
    Await.until(Duration.ofSeconds(5), () -> !gw.metrics().contains(
        "gatehouse_listener_connections_refused_total{listener=\"h3\",reason=\"acl\"} 0.0"), "counted as acl");
    assertEquals(hits, a.hits.get(), "nothing reached the member");
  }

  @Test
  void aConnectionOverTheLimitIsClosedAsItStarts() throws Exception {
    start(",\"connection_limit\":1", "", members(a));
    try (Http3Client first = Http3Client.connect(port)) {
      assertEquals(200, first.get("/one").status());
      assertThrows(Exception.class, () -> {
        try (Http3Client second = Http3Client.connect(port, Duration.ofSeconds(2))) {
          second.get("/two");
        }
      }, "a second connection is refused");
      assertEquals(200, first.get("/three").status(), "the admitted one goes on");
    }
  }

  @Test
  void aReloadThatChangesThePoolTakesEffectOnAnOpenConnection() throws Exception {
    start("", "", members(a));
    try (Http3Client h3 = Http3Client.connect(port)) {
      assertTrue(h3.get("/before").text().startsWith("member=a"));
      gw.rewrite(Files.readString(gw.configFile()).replace(members(a), members(b)));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      assertTrue(h3.get("/after").text().startsWith("member=b"), "the next request goes to the new member");
    }
  }

  @Test
  void addingAndRemovingAQuicListenerByReload() throws Exception {
    port = TestPorts.free();
    String json = config("", "", members(a));
    String without = json.replace("\"protocol\":\"QUIC\"", "\"protocol\":\"HTTP\"").replace("," + tls(), "");
    gw = gateway.start(without);
    gw.rewrite(json);
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    try (Http3Client h3 = Http3Client.connect(port)) {
      assertEquals(200, h3.get("/added").status(), "the QUIC listener serves after the reload that added it");
    }
    gw.rewrite(without);
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertThrows(Exception.class, () -> Http3Client.connect(port, Duration.ofSeconds(2)).close(),
        "no QUIC after the reload that removed it");
  }

  @Test
  void aReloadOfTheIdleTimeoutReplacesTheListenerOnItsPort() throws Exception {
    start("", "", members(a));
    ListenerState before = gw.gateway().runtime().view().listener("h3");
    gw.rewrite(Files.readString(gw.configFile()).replace("\"default_pool\":\"p\",",
        "\"default_pool\":\"p\",\"client_timeout\":30,"));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertTrue(before != gw.gateway().runtime().view().listener("h3"), "replaced: QUIC fixes its idle timeout at bind");
    try (Http3Client h3 = Http3Client.connect(port)) {
      assertEquals(200, h3.get("/after").status(), "the replacement serves on the same port");
    }
  }

  @Test
  void aClientThatStopsReadingStallsTheMember() throws Exception {
    start("", "", members(a));
    long big = 512L << 20;
    try (Http3Client h3 = Http3Client.connect(port)) {
      long before = a.sent.get();
      h3.openUnread("/download/" + big);
      Await.until(Duration.ofSeconds(5), () -> a.sent.get() - before > 0, "the member starts sending");
      // the member sends until the client's stream window (16 MB), the gateway's small write buffer and the
      // sockets are full, then waits: nothing piles up in the gateway
      Await.steady(Duration.ofSeconds(15), a.sent::get, Duration.ofMillis(500), "the member's writes stall");
      assertTrue(a.sent.get() - before < 64L << 20, "bounded: " + (a.sent.get() - before) + " of " + big);
      assertEquals(200, h3.get("/other").status(), "the connection's other streams go on");
    }
  }

  @Test
  void aRemovedQuicListenerFinishesTheRequestInFlight() throws Exception {
    start("", "", members(a));
    String json = Files.readString(gw.configFile());
    try (Http3Client h3 = Http3Client.connect(port)) {
      CompletableFuture<Response> slow = h3.send("GET", "/slow/600", Map.of(), null);
      Await.until(Duration.ofSeconds(5), () -> gw.gateway().runtime().view().listener("h3").active() == 1,
          "connected");
      gw.rewrite(json.replace("\"protocol\":\"QUIC\"", "\"protocol\":\"HTTP\"").replace("," + tls(), ""));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      Response r = Http3Client.await(slow);
      assertEquals(200, r.status(), "the request in flight finishes within drain_timeout");
      assertEquals("slow a", r.text());
    }
  }

  @Test
  void l7PoliciesApplyAsOnHttps() throws Exception {
    port = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"h3","protocol":"QUIC","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",%s,
          "l7_policies":[{"name":"deny","position":1,"action":"FIXED_RESPONSE","status_code":403,"body":"no",
                          "rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/admin"}]},
                         {"name":"api","position":2,"action":"REDIRECT_TO_POOL","redirect_pool":"q",
                          "rules":[{"type":"HEADER","key":"x-api","compare_type":"EQUAL_TO","value":"1"}]}]}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s},{"name":"q","protocol":"HTTP","members":%s}]}
        """.formatted(port, tls(), members(a), members(b)));
    try (Http3Client h3 = Http3Client.connect(port)) {
      Response denied = h3.get("/admin/x");
      assertEquals(403, denied.status());
      assertEquals("no", denied.text());
      assertTrue(Http3Client.await(h3.send("GET", "/v1", Map.of("x-api", "1"), null)).text().startsWith("member=b"));
      assertTrue(h3.get("/v1").text().startsWith("member=a"));
    }
  }

  @Test
  void sniChoosesTheCertificateAndTheMainPairIsTheFallback() throws Exception {
    port = TestPorts.free();
    String sni = ",\"sni_certificates\":[{\"certificate\":\"" + TestCerts.API_CERT + "\",\"private_key\":\""
        + TestCerts.API_KEY + "\"}]}";
    gw = gateway.start(config("", "", members(a)).replace(tls(), tls().substring(0, tls().length() - 1) + sni));
    try (Http3Client api = Http3Client.connect(port, Duration.ofSeconds(10), "api.example.test")) {
      assertTrue(api.serverCertificateSubject().contains("api.example.test"), api.serverCertificateSubject());
      assertEquals(200, api.get("/").status());
    }
    try (Http3Client other = Http3Client.connect(port, Duration.ofSeconds(10), "other.test")) {
      assertTrue(!other.serverCertificateSubject().contains("api.example.test"), other.serverCertificateSubject());
    }
  }

  @Test
  void aReloadThatChangesTheCertificateReachesNewHandshakesInPlace() throws Exception {
    start("", "", members(a));
    ListenerState before = gw.gateway().runtime().view().listener("h3");
    try (Http3Client open = Http3Client.connect(port)) {
      assertEquals("RSA", open.serverKeyAlgorithm());
      gw.rewrite(Files.readString(gw.configFile()).replace(TestCerts.RSA_CERT.toString(), TestCerts.EC_CERT.toString())
          .replace(TestCerts.RSA_KEY.toString(), TestCerts.EC_KEY.toString()));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      assertTrue(before == gw.gateway().runtime().view().listener("h3"), "changed in place, not replaced");
      try (Http3Client next = Http3Client.connect(port)) {
        assertEquals("EC", next.serverKeyAlgorithm(), "a new handshake gets the new certificate");
        assertEquals(200, next.get("/new").status());
      }
      assertEquals(200, open.get("/old").status(), "the open connection goes on");
    }
  }

  @Test
  void aHeadOverMaxHeaderSizeNeverReachesTheMember() throws Exception {
    start(",\"max_header_size\":1024", "", members(a));
    try (Http3Client h3 = Http3Client.connect(port)) {
      int hits = a.hits.get();
      CompletableFuture<Response> big = h3.send("GET", "/big", Map.of("x-big", "b".repeat(4000)), null);
      Response answered = null;
      try {
        answered = Http3Client.await(big);
      } catch (Exception refused) {
        // refused by HTTP/3's frame decoder: the connection ends with an HTTP/3 error, no answer
      }
      assertTrue(answered == null || answered.status() >= 400, "refused: " + answered);
      assertEquals(hits, a.hits.get(), "the member never saw it");
    }
  }

  @Test
  void aMemberThatRefusesIs502AndAPoolWithoutMembers503() throws Exception {
    Member dead = backends.http("dead");
    dead.stop();
    start("", "", members(dead));
    try (Http3Client h3 = Http3Client.connect(port)) {
      assertEquals(502, h3.get("/x").status());
    }
    gw.rewrite(Files.readString(gw.configFile()).replace(members(dead), "[]"));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    try (Http3Client h3 = Http3Client.connect(port)) {
      assertEquals(503, h3.get("/x").status());
    }
    assertTrue(gw.awaitAccessLog("status=503").contains("end=no_usable_member"));
  }

  @Test
  void bodiesOverMaxBodySizeAre413() throws Exception {
    start(",\"max_body_size\":1000", "", members(a));
    try (Http3Client h3 = Http3Client.connect(port)) {
      assertEquals(413, Http3Client.await(h3.send("POST", "/sha", Map.of("content-length", "5000"),
          new byte[5000])).status());
      assertEquals(413, Http3Client.await(h3.send("POST", "/sha", Map.of(), new byte[5000])).status(),
          "without a Content-Length too");
      assertEquals(200, h3.get("/small").status(), "the connection goes on");
    }
  }

  @Test
  void cookieStickinessHoldsOverHttp3() throws Exception {
    start("", ",\"session_persistence\":{\"type\":\"HTTP_COOKIE\"}", members(a, b));
    try (Http3Client h3 = Http3Client.connect(port)) {
      Response first = h3.get("/first");
      String setCookie = first.header("set-cookie");
      assertTrue(setCookie != null && setCookie.startsWith("GATEHOUSE_STICKY="), String.valueOf(setCookie));
      assertTrue(setCookie.contains("Secure"), "over HTTPS-like QUIC the cookie is Secure: " + setCookie);
      String member = first.text().substring(0, "member=a".length());
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      for (int i = 0; i < 6; i++) {
        Response r = Http3Client.await(h3.send("GET", "/again", Map.of("cookie", cookie), null));
        assertTrue(r.text().startsWith(member), "stuck to " + member + ": " + r.text());
      }
    }
  }

  @Test
  void anHttpsListenerAdvertisesItsQuicListenerInAltSvc() throws Exception {
    port = TestPorts.free();
    int https = TestPorts.free();
    String json = "{" + head() + """
        "listeners":[{"name":"h3","protocol":"QUIC","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",%s},
                     {"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "advertise_http3":"h3",%s},
                     {"name":"plain","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      %s}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, tls(), https, tls(), TestPorts.free(), tls(), members(a));
    gw = gateway.start(json);
    assertEquals("h3=\":" + port + "\"; ma=86400", altSvc(https, "/page"));
    assertEquals("h3=\":" + port + "\"; ma=86400", altSvc(https, "/nothing-here-404"), "on every answer");
    int plain = gw.gateway().runtime().view().listener("plain").config().protocolPort();
    assertNull(altSvc(plain, "/page"), "a listener that names none advertises none");
    int moved = TestPorts.free();
    gw.rewrite(json.replace("\"protocol_port\":" + port + ",", "\"protocol_port\":" + moved + ","));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertEquals("h3=\":" + moved + "\"; ma=86400", altSvc(https, "/page"), "the port follows the QUIC listener");
    try (Http3Client h3 = Http3Client.connect(moved)) {
      assertEquals(200, h3.get("/page").status());
    }
  }

  /** The Alt-Svc header of an HTTPS GET, or null. */
  static String altSvc(int httpsPort, String path) throws Exception {
    javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
    trustAll.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().sslContext(trustAll)
        .connectTimeout(java.time.Duration.ofSeconds(10)).build();
    return client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("https://127.0.0.1:" + httpsPort + path)).timeout(java.time.Duration.ofSeconds(10)).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding()).headers().firstValue("alt-svc").orElse(null);
  }
}
