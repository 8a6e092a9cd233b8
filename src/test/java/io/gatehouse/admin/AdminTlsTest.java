package io.gatehouse.admin;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** `admin.tls`: the admin API over HTTPS only, with the listener's TLS settings. */
class AdminTlsTest {

  @Test
  void theAdminApiSpeaksTlsWhenConfigured() throws Exception {
    try (Backends backends = new Backends()) {
      int admin = TestPorts.free();
      try (GatewayHarness gw = GatewayHarness.start("""
          {"admin":{"port":%d,"tls":{"certificate":"%s","private_key":"%s"}},"reload":{"scan_period_ms":0},
           "drain_timeout":1,
           "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
           "pools":[{"name":"p","protocol":"TCP","members":%s}]}
          """.formatted(admin, TestCerts.RSA_CERT, TestCerts.RSA_KEY, TestPorts.free(), members(backends.tcpEcho("a"))))) {
        HttpClient tls = HttpClient.newBuilder().sslContext(trustingTestCa()).version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = tls.send(HttpRequest.newBuilder(URI.create("https://localhost:" + admin + "/health"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + admin + "/health")).timeout(java.time.Duration.ofSeconds(3)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
    }
  }

  private static SSLContext trustingTestCa() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(TestCerts.CA_CERT)) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
