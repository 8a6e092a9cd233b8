package io.gatehouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.PrometheusText;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Served certificates' expiry: the metric for every certificate (SNI ones included), following reloads and replaced
 * files; the WARN line and the status document's warning for one that expires within 14 days.
 */
class CertificateExpiryTest {

  private static final String EXPIRY = "gatehouse_tls_certificate_expiry_timestamp_seconds";

  @TempDir
  Path dir;

  @Test
  void everyServedCertificateHasItsExpiryAndOneCloseToItIsWarnedAbout() throws Exception {
    Path soonCert = dir.resolve("soon.crt");
    Path soonKey = dir.resolve("soon.key");
    shortLived("soon.example.test", 3, soonCert, soonKey);
    long soonExpiry = notAfter(soonCert);
    long localhostExpiry = notAfter(TestCerts.RSA_CERT);
    int portA = TestPorts.free();
    int portB = TestPorts.free();
    String a = listener("a", portA, "HTTPS", ",\"sni_certificates\":[{\"certificate\":\"" + soonCert
        + "\",\"private_key\":\"" + soonKey + "\"}]");
    String b = listener("b", portB, "HTTPS", "");
    try (LogCapture log = LogCapture.start();
        GatewayHarness gw = GatewayHarness.start(config(a))) {
      String text = gw.metrics();
      assertEquals(soonExpiry, PrometheusText.value(text, EXPIRY, "listener=a", "certificate=soon.example.test"),
          text);
      assertEquals(localhostExpiry, PrometheusText.value(text, EXPIRY, "listener=a", "certificate=localhost"), text);

      String warning = log.await("certificate soon.example.test");
      assertTrue(warning.startsWith("WARNING ") && warning.contains("listener a") && warning.matches(".* expires in [23] days .*")
          && warning.contains(soonCert.toString()), warning);
      assertTrue(log.matching("certificate localhost").isEmpty(), log.text());

      JsonArray certificates = gw.status().getJsonArray("listeners").getJsonObject(0).getJsonObject("tls")
          .getJsonArray("certificates");
      JsonObject main = find(certificates, "localhost");
      JsonObject soon = find(certificates, "soon.example.test");
      assertTrue(main.getLong("expires_in_days") > 14, main.encode());
      assertTrue(main.containsKey("warning") && main.getValue("warning") == null, main.encode());
      // 3 days from its creation, rounded down: 2 once a moment has passed
      long days = soon.getLong("expires_in_days");
      assertTrue(days == 2 || days == 3, soon.encode());
      assertTrue(soon.getString("warning").startsWith("expires in " + days + " days"), soon.encode());

      // a reload adds listener b: its certificate's series appears; one that removes a takes a's away
      gw.rewrite(config(a + "," + b));
      assertTrue(!Sync.await(gw.gateway().runtime().reload()).refused()); // the file scan may have applied it
      text = gw.metrics();
      assertEquals(localhostExpiry, PrometheusText.value(text, EXPIRY, "listener=b", "certificate=localhost"), text);
      gw.rewrite(config(b));
      assertTrue(!Sync.await(gw.gateway().runtime().reload()).refused()); // the file scan may have applied it
      text = gw.metrics();
      assertEquals(-1.0, PrometheusText.value(text, EXPIRY, "listener=a"), "a's series stayed:\n" + text);
      assertEquals(localhostExpiry, PrometheusText.value(text, EXPIRY, "listener=b", "certificate=localhost"), text);
    }
  }

  @Test
  void aReplacedCertificateFileReplacesItsSeriesAndWarning() throws Exception {
    Path cert = dir.resolve("site.crt");
    Path key = dir.resolve("site.key");
    shortLived("soon.example.test", 5, cert, key);
    int port = TestPorts.free();
    try (LogCapture log = LogCapture.start();
        GatewayHarness gw = GatewayHarness.start(config(listener("a", port, "HTTPS", "")
            .replace(TestCerts.RSA_CERT.toString(), cert.toString())
            .replace(TestCerts.RSA_KEY.toString(), key.toString())))) {
      log.await("certificate soon.example.test");
      assertEquals(notAfter(cert), PrometheusText.value(gw.metrics(), EXPIRY, "listener=a",
          "certificate=soon.example.test"));

      // renewed: the same files now hold a certificate valid for decades
      Path tmp = dir.resolve("new.crt");
      Files.copy(TestCerts.API_CERT, tmp);
      Files.copy(TestCerts.API_KEY, key, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      long renewed = notAfter(TestCerts.API_CERT);
      Await.until(Duration.ofSeconds(10), () -> PrometheusText.value(gw.metrics(), EXPIRY, "listener=a",
          "certificate=api.example.test") == renewed, () -> "no renewed series:\n" + gw.metrics());
      String text = gw.metrics();
      assertTrue(!text.contains("certificate=\"soon.example.test\""), "the old series stayed:\n" + text);
      JsonObject served = gw.status().getJsonArray("listeners").getJsonObject(0).getJsonObject("tls")
          .getJsonArray("certificates").getJsonObject(0);
      assertNull(served.getValue("warning"), served.encode());
      assertEquals(1, log.matching("certificate soon.example.test").size(), log.text());
    }
  }

  private static String listener(String name, int port, String protocol, String tlsExtra) {
    return """
        {"name":"%s","protocol":"%s","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
         "tls":{"certificate":"%s","private_key":"%s"%s}}""".formatted(name, protocol, port, TestCerts.RSA_CERT,
        TestCerts.RSA_KEY, tlsExtra);
  }

  /** Certificate files watched every 100 ms; reloads on demand only. */
  private static String config(String listeners) {
    return "{\"node\":{\"name\":\"test\",\"event_loops\":1},\"admin\":{\"port\":" + TestPorts.free() + "},"
        + "\"reload\":{\"scan_period_ms\":100},\"drain_timeout\":1,\"listeners\":[" + listeners + "],"
        + "\"pools\":[{\"name\":\"p\",\"protocol\":\"HTTP\",\"members\":[]}]}";
  }

  private static JsonObject find(JsonArray certificates, String name) {
    for (int i = 0; i < certificates.size(); i++) {
      if (certificates.getJsonObject(i).getJsonArray("names").contains(name)) {
        return certificates.getJsonObject(i);
      }
    }
    throw new AssertionError("no certificate for " + name + " in " + certificates.encode());
  }

  /** A self-signed ECDSA certificate for {@code name} that expires {@code days} from now, by openssl. */
  private static void shortLived(String name, int days, Path cert, Path key) throws Exception {
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days",
        Integer.toString(days), "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name))
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl failed: " + output);
  }

  private static long notAfter(Path cert) throws Exception {
    try (InputStream in = Files.newInputStream(cert)) {
      X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return c.getNotAfter().toInstant().getEpochSecond();
    }
  }
}
