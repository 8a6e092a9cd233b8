package io.gatehouse.tls;

import io.gatehouse.pem.Pem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.config.TlsConfig.CertPair;
import io.gatehouse.config.TlsPolicyName;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestVertx;
import io.vertx.core.Vertx;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SNI choice, mutual TLS and the handshake timeout, on both engines. */
class ServerTlsTest {

  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = TestVertx.create();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static X509Certificate cert(Path file) throws Exception {
    return Pem.certificates(Files.readAllBytes(file)).get(0);
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void sniPicksExactThenWildcardElseMain(TlsEngine engine) throws Exception {
    // the wildcard pair comes first, so an exact match must win over it, not config order
    TlsConfig config = TlsServer.config(TestCerts.RSA_CERT, TestCerts.RSA_KEY,
        List.of(new CertPair(TestCerts.WILDCARD_CERT, TestCerts.WILDCARD_KEY),
            new CertPair(TestCerts.API_CERT, TestCerts.API_KEY)),
        TlsPolicyName.TLS_1_2_FS_WITH_1_3, null);
    try (TlsServer server = TlsServer.start(vertx, config, engine)) {
      for (String version : List.of("TLSv1.2", "TLSv1.3")) {
        TlsClient client = TlsClient.of(version);
        assertEquals(cert(TestCerts.API_CERT), client.sni("api.example.test").handshake(server.port()).serverCert());
        assertEquals(cert(TestCerts.API_CERT), client.sni("API.Example.Test").handshake(server.port()).serverCert());
        assertEquals(cert(TestCerts.WILDCARD_CERT), client.sni("www.example.test").handshake(server.port()).serverCert());
        assertEquals(cert(TestCerts.RSA_CERT), client.sni("a.b.example.test").handshake(server.port()).serverCert());
        assertEquals(cert(TestCerts.RSA_CERT), client.sni("unknown.test").handshake(server.port()).serverCert());
        assertEquals(cert(TestCerts.RSA_CERT), client.handshake(server.port()).serverCert());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void mainPairIsTheFallbackEvenWhenAnotherKeyTypeFits(TlsEngine engine) throws Exception {
    // an EC main pair beside an RSA SNI pair: a client offering both key types still gets the main pair
    TlsConfig config = TlsServer.config(TestCerts.EC_CERT, TestCerts.EC_KEY,
        List.of(new CertPair(TestCerts.API_CERT, TestCerts.API_KEY)), TlsPolicyName.TLS_1_2, null);
    try (TlsServer server = TlsServer.start(vertx, config, engine)) {
      assertEquals(cert(TestCerts.EC_CERT), TlsClient.of("TLSv1.2").handshake(server.port()).serverCert());
      assertEquals(cert(TestCerts.EC_CERT),
          TlsClient.of("TLSv1.2").sni("other.test").handshake(server.port()).serverCert());
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void clientCaRequiresACertificateItSigned(TlsEngine engine) throws Exception {
    TlsConfig config = TlsServer.config(TestCerts.RSA_CHAIN, TestCerts.RSA_KEY_PKCS1, List.of(),
        TlsPolicyName.TLS_1_2_FS_WITH_1_3, TestCerts.CA_CERT);
    try (TlsServer server = TlsServer.start(vertx, config, engine)) {
      for (String version : List.of("TLSv1.2", "TLSv1.3")) {
        TlsClient client = TlsClient.of(version);
        // under TLS 1.3 the refusal may only surface on the first read, hence the echo in handshake()
        assertThrows(Exception.class, () -> client.handshake(server.port()), version + " without certificate");
        assertThrows(Exception.class, () -> client.clientCert(TestCerts.OTHER_CLIENT_CERT, TestCerts.OTHER_CLIENT_KEY)
            .handshake(server.port()), version + " other CA");
        assertEquals(version,
            client.clientCert(TestCerts.CLIENT_CERT, TestCerts.CLIENT_KEY).handshake(server.port()).protocol());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void handshakeTimeoutClosesASilentClient(TlsEngine engine) throws Exception {
    try (TlsServer server = TlsServer.start(vertx, TlsServer.config(TlsPolicyName.TLS_1_2), engine,
        Duration.ofMillis(300))) {
      try (Socket silent = new Socket("127.0.0.1", server.port())) {
        silent.setSoTimeout(5_000);
        long started = System.nanoTime();
        assertEquals(-1, silent.getInputStream().read(), "server closes without a byte");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis >= 250 && millis < 4_000, "closed after " + millis + " ms");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void reportsEffectiveSettings(TlsEngine engine) {
    ServerTls tls = ServerTls.load(TlsServer.config(TlsPolicyName.TLS_1_3), Duration.ofSeconds(1), engine);
    assertEquals(engine, tls.engine());
    assertEquals(List.of("TLSv1.3"), tls.protocols());
    // neither engine has the CCM suites: left out, no error
    assertEquals(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"),
        tls.suites());
  }

  @org.junit.jupiter.api.Test
  void propertyForcesTheEngine() {
    String before = System.getProperty(TlsEngine.PROPERTY);
    try {
      System.setProperty(TlsEngine.PROPERTY, "jdk");
      assertEquals(TlsEngine.JDK, TlsEngine.selected());
      System.setProperty(TlsEngine.PROPERTY, "openssl");
      assertEquals(TlsEngine.OPENSSL, TlsEngine.selected());
      System.setProperty(TlsEngine.PROPERTY, "rustls");
      assertThrows(IllegalArgumentException.class, TlsEngine::selected);
    } finally {
      if (before == null) {
        System.clearProperty(TlsEngine.PROPERTY);
      } else {
        System.setProperty(TlsEngine.PROPERTY, before);
      }
    }
  }
}
