package io.gatehouse.http;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS pools with {@code ca_certificate} and {@code tls_server_name}: members whose certificate comes from another
 * CA or names someone else are failed connections (502, probe failure), counted by reason; a member that chains to
 * the CA and names {@code tls_server_name} (sent as SNI) or its own address is served. Real members, real TLS.
 */
class MemberTlsVerifyTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** Test CA, names localhost and 127.0.0.1. */
  static Member trusted;
  /** Another CA, names localhost and 127.0.0.1. */
  static Member foreign;
  /** Test CA, names api.example.test only; answers with the SNI name it was sent. */
  static int api;
  static final ConcurrentLinkedQueue<String> sniSeen = new ConcurrentLinkedQueue<>();
  static HttpServer apiServer;

  @BeforeAll
  static void members() {
    Backends backends = gateway.backends();
    trusted = backends.http("trusted", pair(TestCerts.RSA_CERT, TestCerts.RSA_KEY));
    foreign = backends.http("foreign", pair(TestCerts.DIR.resolve("other-server.crt"),
        TestCerts.DIR.resolve("other-server.key")));
    apiServer = backends.vertx().createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
        .setKeyCertOptions(pair(TestCerts.API_CERT, TestCerts.API_KEY)))
        .requestHandler(req -> {
          String sni = String.valueOf(req.connection().indicatedServerName());
          sniSeen.add(sni);
          req.response().end("sni=" + sni);
        });
    Sync.await(apiServer.listen(0, "127.0.0.1"));
    api = apiServer.actualPort();
  }

  @AfterAll
  static void stopApi() {
    Sync.await(apiServer.close());
  }

  static PemKeyCertOptions pair(Path cert, Path key) {
    return new PemKeyCertOptions().setCertPath(cert.toString()).setKeyPath(key.toString());
  }

  /** An HTTP listener on a fresh port in front of each pool, by pool name. */
  record Gw(GatewayHarness harness, Map<String, Integer> ports) {
    HttpResponse<String> get(String pool) throws Exception {
      return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(pool) + "/"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  static Gw start(Map<String, String> pools) {
    return start(pools, "");
  }

  /** {@code listenerFields}: more fields of every listener, each followed by a comma. */
  static Gw start(Map<String, String> pools, String listenerFields) {
    StringBuilder listeners = new StringBuilder();
    StringBuilder poolJson = new StringBuilder();
    Map<String, Integer> ports = new java.util.HashMap<>();
    for (Map.Entry<String, String> p : pools.entrySet()) {
      int port = TestPorts.free();
      ports.put(p.getKey(), port);
      listeners.append(listeners.length() == 0 ? "" : ",").append("""
          {"name":"l-%s","protocol":"HTTP","host":"127.0.0.1",%s"protocol_port":%d,"default_pool":"%s"}"""
          .formatted(p.getKey(), listenerFields, port, p.getKey()));
      poolJson.append(poolJson.length() == 0 ? "" : ",").append("""
          {"name":"%s","protocol":"HTTPS",%s}""".formatted(p.getKey(), p.getValue()));
    }
    return new Gw(gateway.start("{" + head() + "\"listeners\":[" + listeners + "],\"pools\":[" + poolJson + "]}"),
        ports);
  }

  static String members(int port) {
    return "\"members\":[{\"address\":\"127.0.0.1\",\"protocol_port\":" + port + "}]";
  }

  static String ca(Path file) {
    return "\"ca_certificate\":\"" + file + "\",";
  }

  @Test
  void onlyMembersWithTheRightCaAndNameAreServed() throws Exception {
    Gw gw = start(new java.util.LinkedHashMap<>(Map.of(
        "other-ca", ca(TestCerts.CA_CERT) + members(foreign.port()),
        "wrong-name", ca(TestCerts.CA_CERT) + members(api),
        "wrong-server-name", ca(TestCerts.CA_CERT) + "\"tls_server_name\":\"www.example.test\"," + members(trusted.port()),
        "by-name", ca(TestCerts.CA_CERT) + "\"tls_server_name\":\"api.example.test\"," + members(api),
        "by-ip", ca(TestCerts.CA_CERT) + members(trusted.port()),
        "unverified", members(foreign.port()))));

    assertEquals(502, gw.get("other-ca").statusCode());
    assertEquals(502, gw.get("wrong-name").statusCode());
    assertEquals(502, gw.get("wrong-server-name").statusCode());
    HttpResponse<String> byName = gw.get("by-name");
    assertEquals(200, byName.statusCode(), byName.body());
    assertEquals("sni=api.example.test", byName.body()); // the member saw tls_server_name as SNI
    HttpResponse<String> byIp = gw.get("by-ip");
    assertEquals(200, byIp.statusCode());
    assertTrue(byIp.body().startsWith("member=trusted"), byIp.body());
    // without ca_certificate: as before, any certificate
    assertEquals(200, gw.get("unverified").statusCode());

    gw.harness().awaitAccessLog("member_tls_failed");
    String metrics = gw.harness().metrics();
    String foreignId = "127.0.0.1:" + foreign.port();
    assertTrue(metrics.contains("gatehouse_member_tls_failures_total{member=\"" + foreignId
        + "\",pool=\"other-ca\",reason=\"untrusted\"} 1.0"), metrics);
    assertTrue(metrics.contains("gatehouse_member_tls_failures_total{member=\"127.0.0.1:" + api
        + "\",pool=\"wrong-name\",reason=\"name_mismatch\"} 1.0"), metrics);
    assertTrue(metrics.contains("gatehouse_member_tls_failures_total{member=\"127.0.0.1:" + trusted.port()
        + "\",pool=\"wrong-server-name\",reason=\"name_mismatch\"} 1.0"), metrics);
  }

  @Test
  void probesVerifyLikeTraffic() {
    sniSeen.clear();
    String monitor = "\"health_monitor\":{\"type\":\"HTTPS\",\"delay\":2,\"timeout\":2,\"max_retries\":1,"
        + "\"max_retries_down\":1},";
    Gw gw = start(new java.util.LinkedHashMap<>(Map.of(
        "foreign", ca(TestCerts.CA_CERT) + monitor + members(foreign.port()),
        "named", ca(TestCerts.CA_CERT) + monitor + "\"tls_server_name\":\"api.example.test\"," + members(api))));
    Await.until(Duration.ofSeconds(10), () -> "tls untrusted".equals(member(gw, "foreign").getString("status_reason")),
        () -> "the member of another CA is " + member(gw, "foreign"));
    assertEquals("OFFLINE", member(gw, "foreign").getString("status"));
    // no request went to it: the failed probes alone are counted, so an OFFLINE member still shows why
    assertTrue(gw.harness().metrics().contains("gatehouse_member_tls_failures_total{member=\"127.0.0.1:"
        + foreign.port() + "\",pool=\"foreign\",reason=\"untrusted\"}"), gw.harness().metrics());
    String named = "{member=\"127.0.0.1:" + api + "\",pool=\"named\",result=";
    Await.until(Duration.ofSeconds(10), () -> gw.harness().metrics().contains(named + "\"success\"} 1.0"),
        () -> "no passed probe of the named member: " + gw.harness().metrics());
    // no handshake with it failed (a first probe may still time out on a loaded machine: that is no TLS failure)
    assertFalse(gw.harness().metrics().contains("gatehouse_member_tls_failures_total{member=\"127.0.0.1:" + api
        + "\",pool=\"named\""), gw.harness().metrics());
    assertEquals("ONLINE", member(gw, "named").getString("status"));
    assertTrue(sniSeen.contains("api.example.test"), sniSeen.toString());
  }

  @Test
  void aReplacedCaFileTakesEffectOnReload(@TempDir Path dir) throws Exception {
    Path caFile = dir.resolve("members-ca.crt");
    Files.copy(TestCerts.OTHER_CA_CERT, caFile);
    Gw gw = start(Map.of("p", ca(caFile) + members(trusted.port())));
    assertEquals(502, gw.get("p").statusCode());

    Path tmp = dir.resolve("members-ca.tmp");
    Files.copy(TestCerts.CA_CERT, tmp);
    Files.move(tmp, caFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Sync.await(gw.harness().gateway().runtime().reload()); // the configuration text is unchanged
    assertEquals(200, gw.get("p").statusCode());
  }

  @Test
  void aMemberThatNeverAnswersTheHandshakeFailsWithinTheConnectTime() throws Exception {
    Member silent = gateway.backends().tcp("silent", so -> { }); // accepts, never says a word
    Gw gw = start(Map.of("silent", ca(TestCerts.CA_CERT) + members(silent.port())), "\"member_timeout\":1,");
    long started = System.nanoTime();
    HttpResponse<String> r = gw.get("silent"); // Netty's own handshake timeout would hold it 10 s
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(502, r.statusCode());
    assertTrue(tookMillis < 5_000, "answered after " + tookMillis + " ms");
    gw.harness().awaitAccessLog("end=member_tls_failed");
    assertTrue(gw.harness().metrics().contains("gatehouse_member_tls_failures_total{member=\"127.0.0.1:"
        + silent.port() + "\",pool=\"silent\",reason=\"timeout\"} 1.0"), gw.harness().metrics());
  }

  @Test
  void certificatesOutOfDateOrFromALeafAreCountedByWhy() throws Exception {
    Member expired = gateway.backends().http("expired", pair(TestCerts.DIR.resolve("expired-server.crt"),
        TestCerts.DIR.resolve("expired-server.key")));
    Member future = gateway.backends().http("future", pair(TestCerts.DIR.resolve("future-server.crt"),
        TestCerts.DIR.resolve("future-server.key")));
    Member byLeaf = gateway.backends().http("by-leaf", pair(TestCerts.DIR.resolve("by-leaf-chain.crt"),
        TestCerts.DIR.resolve("by-leaf.key")));
    Gw gw = start(new java.util.LinkedHashMap<>(Map.of(
        "expired", ca(TestCerts.CA_CERT) + members(expired.port()),
        "future", ca(TestCerts.CA_CERT) + members(future.port()),
        // a leaf as ca_certificate pins that very certificate; it is no CA for the ones its key signed
        "by-leaf", ca(TestCerts.RSA_CERT) + members(byLeaf.port()),
        "pinned", ca(TestCerts.RSA_CERT) + members(trusted.port()))));
    assertEquals(502, gw.get("expired").statusCode());
    assertEquals(502, gw.get("future").statusCode());
    assertEquals(502, gw.get("by-leaf").statusCode());
    assertEquals(200, gw.get("pinned").statusCode());
    String metrics = gw.harness().metrics();
    for (String[] want : new String[][] {{"expired", "expired", "" + expired.port()},
        {"future", "not_yet_valid", "" + future.port()}, {"by-leaf", "untrusted", "" + byLeaf.port()}}) {
      assertTrue(metrics.contains("gatehouse_member_tls_failures_total{member=\"127.0.0.1:" + want[2] + "\",pool=\""
          + want[0] + "\",reason=\"" + want[1] + "\"} 1.0"), want[0] + ": " + metrics);
    }
  }

  static JsonObject member(Gw gw, String pool) {
    return gw.harness().status().getJsonArray("pools").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("name").equals(pool)).findFirst().orElseThrow()
        .getJsonArray("members").getJsonObject(0);
  }
}
