package io.gatehouse.tls;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TlsClients;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls.ocsp_stapling} end to end: a CA and {@code openssl ocsp} as a real responder, the gateway's SSL
 * listener fetching and stapling, and {@code openssl s_client -status} asking for the staple.
 */
class OcspStaplingTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern CERT_STATUS = Pattern.compile("Cert Status: (\\w+)");

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member echo;

  @TempDir
  Path dir;
  @TempDir
  Path otherDir;
  OcspTestCa ca;
  GatewayHarness gw;
  int port;
  String top;

  @BeforeAll
  static void startMember() {
    echo = gateway.backends().tcpEcho("echo");
  }

  @BeforeEach
  void makeCa() {
    ca = OcspTestCa.create(dir, TestPorts.free());
  }

  @AfterEach
  void stopResponder() {
    ca.close();
  }

  static boolean boringSsl() {
    return TlsEngine.of(TlsConfig.Engine.BORINGSSL) == TlsEngine.OPENSSL;
  }

  @Test
  void goodAndRevokedCertificatesAreStapledEachForItsSniName() {
    assumeTrue(boringSsl(), "stapling needs BoringSSL; the engine jdk case is tested on its own");
    OcspTestCa.Leaf good = ca.leaf("good.ocsp.test", false, true);
    OcspTestCa.Leaf revoked = ca.leaf("revoked.ocsp.test", true, true);
    ca.startResponder();
    start(tls(good, ",\"sni_certificates\":[" + pair(revoked) + "]"), "");

    String main = awaitStaple(null, "good");
    assertTrue(main.contains("OCSP Response Status: successful"), main);
    assertTrue(main.contains("Serial Number: " + good.serial()), main);
    String sni = awaitStaple("revoked.ocsp.test", "revoked");
    assertTrue(sni.contains("Serial Number: " + revoked.serial()), sni);

    JsonObject first = certificate(0).getJsonObject("ocsp");
    assertEquals("good", first.getString("status"), first.encode());
    assertNotNull(first.getString("this_update"));
    assertNotNull(first.getString("next_update"));
    assertNull(first.getString("last_error"));
    assertEquals("revoked", certificate(1).getJsonObject("ocsp").getString("status"));
    assertTrue(gw.metrics().contains("gatehouse_tls_ocsp_fetches_total{certificate=\"good.ocsp.test\","
        + "listener=\"ssl\",result=\"success\"}"), gw.metrics());

    // a client that does not ask gets no staple and the same service as before
    SClient.Result plain = SClient.offer(port, "TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256");
    assertFalse(plain.refused(), plain.output());
    assertFalse(plain.output().contains("OCSP response"), plain.output());
  }

  @Test
  void anHttpsListenerWithHttp2StaplesTheResponseOfTheResponderItNames() throws Exception {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf leaf = ca.leaf("web.ocsp.test", false, false); // no AIA: ocsp_responder says where to ask
    ca.startResponder();
    Member web = gateway.backends().http("web");
    port = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"http2_enable":true,
                      "default_pool":"p","tls":%s}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, tls(leaf, ",\"ocsp_responder\":\"http://127.0.0.1:" + ca.responderPort() + "/\""),
        members(web)));

    String staple = awaitStaple(null, "good", "-alpn", "h2");
    assertTrue(staple.contains("ALPN protocol: h2"), staple);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .sslContext(TlsClients.context(ca.caCertificate(), null, null)).connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/x"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, answer.statusCode());
    assertEquals(HttpClient.Version.HTTP_2, answer.version());
    assertTrue(answer.body().startsWith("member=web"), answer.body());
  }

  @Test
  void aResponseNotSignedByTheIssuerIsRefusedAndCounted() {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf leaf = ca.leaf("signed.ocsp.test", false, true);
    // another CA's responder answers (unknown, signed by that CA) for a certificate it did not issue
    try (OcspTestCa other = OcspTestCa.create(otherDir, TestPorts.free())) {
      other.leaf("other.ocsp.test", false, true);
      other.startResponder();
      start(tls(leaf, ",\"ocsp_responder\":\"http://127.0.0.1:" + other.responderPort() + "/\""), "");
      Await.until(WAIT, () -> gw.metrics().contains("certificate=\"signed.ocsp.test\",listener=\"ssl\","
          + "result=\"failure\""), () -> gw.metrics());
      JsonObject ocsp = certificate(0).getJsonObject("ocsp");
      assertEquals("pending", ocsp.getString("status"));
      assertTrue(ocsp.getString("last_error").contains("not signed by the certificate's issuer"), ocsp.encode());
      SClient.Result none = SClient.askingForStaple(port, null);
      assertTrue(none.output().contains("OCSP response: no response sent"), none.output());
    }
  }

  @Test
  void aResponderDownAtStartDelaysNoHandshakeAndIsStapledOnceItAnswers() {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf good = ca.leaf("late.ocsp.test", false, true);
    try (LogCapture log = LogCapture.start()) {
      start(tls(good, ""), "");
      Await.until(WAIT, () -> gw.metrics().contains("certificate=\"late.ocsp.test\",listener=\"ssl\","
          + "result=\"failure\""), () -> gw.metrics());
      log.await("OCSP fetch from http://127.0.0.1:" + ca.responderPort() + "/ failed");
      JsonObject ocsp = certificate(0).getJsonObject("ocsp");
      assertEquals("pending", ocsp.getString("status"));
      assertNotNull(ocsp.getString("last_error"));
      SClient.Result none = SClient.askingForStaple(port, null);
      assertFalse(none.refused(), none.output());
      assertTrue(none.output().contains("OCSP response: no response sent"), none.output());
    }
    ca.startResponder();
    awaitStaple(null, "good");
    assertNull(certificate(0).getJsonObject("ocsp").getString("last_error"));
  }

  @Test
  void aResponderThatNeverAnswersHoldsNoHandshakeBack() throws Exception {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf leaf = ca.leaf("stalled.ocsp.test", false, false);
    // takes connections (the kernel's backlog) and never reads or answers
    try (ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      start(tls(leaf, ",\"ocsp_responder\":\"http://127.0.0.1:" + stalled.getLocalPort() + "/\""), "");
      long began = System.nanoTime();
      SClient.Result handshake = SClient.askingForStaple(port, null);
      Duration took = Duration.ofNanos(System.nanoTime() - began);
      assertFalse(handshake.refused(), handshake.output());
      assertTrue(handshake.output().contains("OCSP response: no response sent"), handshake.output());
      assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "the handshake took " + took);
      assertEquals("pending", certificate(0).getJsonObject("ocsp").getString("status"));
    }
  }

  @Test
  void anEndlessChunkedAnswerIsCutOffAtTheSizeLimitNotBuffered() throws Exception {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf leaf = ca.leaf("endless.ocsp.test", false, false);
    byte[] chunk = new byte[64 * 1024];
    // chunked, no length: 32 MiB of chunks, then silence without the last chunk
    try (HostileResponder endless = new HostileResponder((out, written) -> {
      HostileResponder.head(out, "transfer-encoding: chunked\r\n");
      for (int i = 0; i < 512; i++) {
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        written.addAndGet(chunk.length);
      }
      out.flush();
      Thread.sleep(60_000);
    }); LogCapture log = LogCapture.start()) {
      start(tls(leaf, ",\"ocsp_responder\":\"" + endless.url() + "\""), "");
      log.await("failed: the responder's answer is over 65536 bytes");
      assertTrue(lastError().contains("over 65536 bytes"), lastError());
      assertTrue(endless.written.get() < 16L << 20, "the gateway read " + endless.written.get() + " bytes");
      assertFalse(SClient.askingForStaple(port, null).refused());
    }
  }

  @Test
  void aResponderTricklingItsAnswerIsCutOffAtTheDeadlineAndAskedAgain() throws Exception {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf leaf = ca.leaf("trickle.ocsp.test", false, false);
    // a byte every 200 ms: never idle long enough for an idle timeout, never done
    try (HostileResponder trickle = new HostileResponder((out, written) -> {
      HostileResponder.head(out, "content-length: 2000\r\n");
      for (int i = 0; i < 2000; i++) {
        out.write(0x30);
        out.flush();
        written.incrementAndGet();
        Thread.sleep(200);
      }
    }); LogCapture log = LogCapture.start()) {
      start(tls(leaf, ",\"ocsp_responder\":\"" + trickle.url() + "\""), "");
      Await.until(WAIT, () -> !log.matching("failed: the responder did not answer within 10 s").isEmpty(), log::text);
      Await.until(WAIT, () -> trickle.connections.get() >= 2, "no second fetch after the deadline");
    }
  }

  private String lastError() {
    String e = certificate(0).getJsonObject("ocsp").getString("last_error");
    return e == null ? "" : e;
  }

  @Test
  void aReplacedCertificateIsFetchedForAtOnce() throws Exception {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf good = ca.leaf("swap.ocsp.test", false, true);
    OcspTestCa.Leaf revoked = ca.leaf("swap.ocsp.test", true, true);
    ca.startResponder();
    Path chain = dir.resolve("served-chain.crt");
    Path key = dir.resolve("served.key");
    Files.copy(good.chain(), chain);
    Files.copy(good.key(), key);
    start("{\"certificate\":\"" + chain + "\",\"private_key\":\"" + key + "\",\"ocsp_stapling\":true}", "100");
    awaitStaple(null, "good");

    Path stage = dir.resolve("stage");
    Files.copy(revoked.key(), stage, StandardCopyOption.REPLACE_EXISTING);
    Files.move(stage, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(revoked.chain(), stage, StandardCopyOption.REPLACE_EXISTING);
    Files.move(stage, chain, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    String staple = awaitStaple(null, "revoked");
    assertTrue(staple.contains("Serial Number: " + revoked.serial()), staple);
  }

  @Test
  void aReloadThatTurnsStaplingOnStaplesWithoutReplacingTheListener() {
    assumeTrue(boringSsl(), "stapling needs BoringSSL");
    OcspTestCa.Leaf leaf = ca.leaf("reload.ocsp.test", false, true);
    ca.startResponder();
    start(pair(leaf), "");
    assertNull(certificate(0).getValue("ocsp"));
    assertTrue(SClient.askingForStaple(port, null).output().contains("OCSP response: no response sent"));

    gw.rewrite(config(tls(leaf, "")));
    ReloadOutcome reload = Sync.await(gw.gateway().runtime().reload());
    assertTrue(reload.changed(), reload.errors().toString());
    assertEquals(1, gw.status().getJsonArray("listeners").getJsonObject(0).getLong("connections_total"),
        "the listener was changed in place, not replaced (its counts go on)");
    awaitStaple(null, "good");
    assertEquals("good", certificate(0).getJsonObject("ocsp").getString("status"));
  }

  @Test
  void aCertificateWithoutItsIssuerIsServedUnstapledAndSaysWhy() {
    OcspTestCa.Leaf alone = ca.leaf("alone.ocsp.test", false, true);
    ca.startResponder();
    start("{\"certificate\":\"" + alone.certificate() + "\",\"private_key\":\"" + alone.key()
        + "\",\"ocsp_stapling\":true}", "");
    JsonObject ocsp = certificate(0).getJsonObject("ocsp");
    assertEquals("unavailable", ocsp.getString("status"));
    assertTrue(ocsp.getString("last_error").contains(boringSsl() ? "does not hold its issuer" : "engine jdk"),
        ocsp.encode());
    SClient.Result none = SClient.askingForStaple(port, null);
    assertFalse(none.refused(), none.output());
    assertTrue(none.output().contains("OCSP response: no response sent"), none.output());
  }

  @Test
  void underTheJdkEngineHandshakesGoOnUnstapled() {
    assumeTrue(!boringSsl(), "the engine is BoringSSL here: the other tests staple");
    OcspTestCa.Leaf good = ca.leaf("jdk.ocsp.test", false, true);
    ca.startResponder();
    start(tls(good, ""), "");
    JsonObject ocsp = certificate(0).getJsonObject("ocsp");
    assertEquals("unavailable", ocsp.getString("status"));
    assertTrue(ocsp.getString("last_error").contains("engine jdk"), ocsp.encode());
    SClient.Result none = SClient.askingForStaple(port, null);
    assertFalse(none.refused(), none.output());
  }

  private void start(String tls, String scanPeriodMs) {
    port = TestPorts.free();
    String top = scanPeriodMs.isEmpty() ? head() : head().replace("\"scan_period_ms\":0",
        "\"scan_period_ms\":" + scanPeriodMs);
    this.top = top;
    gw = gateway.start(config(tls));
  }

  /** The SSL listener on {@link #port} in front of the echo member, under the head of the last start. */
  private String config(String tls) {
    return "{" + top + """
        "listeners":[{"name":"ssl","protocol":"SSL","host":"127.0.0.1","protocol_port":%d,
                      "default_pool":"p","tls":%s}],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, tls, members(echo));
  }

  private static String pair(OcspTestCa.Leaf leaf) {
    return "{\"certificate\":\"" + leaf.chain() + "\",\"private_key\":\"" + leaf.key() + "\"}";
  }

  private static String tls(OcspTestCa.Leaf main, String more) {
    return pair(main).replaceFirst("}$", ",\"ocsp_stapling\":true" + more + "}");
  }

  private JsonObject certificate(int i) {
    return gw.status().getJsonArray("listeners").getJsonObject(0).getJsonObject("tls").getJsonArray("certificates")
        .getJsonObject(i);
  }

  /** Asks for a staple until one says {@code status}; returns that handshake's output. */
  private String awaitStaple(String serverName, String status, String... more) {
    String[] last = {""};
    Await.until(WAIT, () -> {
      SClient.Result r = SClient.askingForStaple(port, serverName, more);
      last[0] = r.output();
      Matcher m = CERT_STATUS.matcher(r.output());
      return m.find() && m.group(1).equals(status);
    }, () -> "no " + status + " staple for " + serverName + ": " + last[0] + "\nresponder: " + ca.log());
    return last[0];
  }
}
