package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The SSL listener end to end: TLS from the client to the gateway, plain TCP from the gateway to members. */
class SslListenerTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member a;
  static Member b;
  GatewayHarness gw;
  int port;

  @TempDir
  Path dir;

  @BeforeAll
  static void startMembers() {
    a = gateway.backends().tcpEcho("a");
    b = gateway.backends().tcpEcho("b");
  }

  void start(String tls, String listenerExtra, String scanPeriod) {
    port = TestPorts.free();
    gw = gateway.start("{" + head().replace("\"scan_period_ms\":0", "\"scan_period_ms\":" + scanPeriod) + """
        "listeners":[{"name":"ssl","protocol":"SSL","host":"127.0.0.1","protocol_port":%d,
                      "default_pool":"p","tls":%s%s}],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, tls, listenerExtra, members(a, b)));
  }

  static String tls(Path cert, Path key, String more) {
    return "{\"certificate\":\"" + cert + "\",\"private_key\":\"" + key + "\"" + more + "}";
  }

  @Test
  void tlsEndsAtTheGatewayAndMembersGetPlainTcp() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ""), "", "0");
    Set<String> members = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      try (SSLSocket s = client(null, null, null)) {
        members.add(readLine(s.getInputStream()));
        s.getOutputStream().write("ping\n".getBytes());
        assertEquals("ping", readLine(s.getInputStream()));
      }
    }
    assertEquals(Set.of("a", "b"), members);
  }

  @Test
  void sniChoosesTheCertificateByNameAndFallsBackToTheMainOne() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ",\"sni_certificates\":["
        + "{\"certificate\":\"" + TestCerts.API_CERT + "\",\"private_key\":\"" + TestCerts.API_KEY + "\"},"
        + "{\"certificate\":\"" + TestCerts.WILDCARD_CERT + "\",\"private_key\":\"" + TestCerts.WILDCARD_KEY + "\"}]"),
        "", "0");
    assertEquals(subject(TestCerts.API_CERT), served("api.example.test"));
    assertEquals(subject(TestCerts.WILDCARD_CERT), served("www.example.test"));
    assertEquals(subject(TestCerts.RSA_CERT), served("unknown.test"));
    assertEquals(subject(TestCerts.RSA_CERT), served(null));
  }

  @Test
  void sniCertificatesAddedByAReloadAreChosenByName() throws Exception {
    // Vert.x fixes a server's use of SNI when it binds, so a listener with one pair must still start with SNI on
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ""), "", "0");
    assertEquals(subject(TestCerts.RSA_CERT), served("api.example.test"));
    String sni = tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ",\"sni_certificates\":[{\"certificate\":\""
        + TestCerts.API_CERT + "\",\"private_key\":\"" + TestCerts.API_KEY + "\"}]");
    gw.rewrite(Files.readString(gw.configFile()).replaceFirst("\"tls\":\\{[^}]*\\}", Matcher.quoteReplacement("\"tls\":" + sni)));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertEquals(subject(TestCerts.API_CERT), served("api.example.test"));
    assertEquals(subject(TestCerts.RSA_CERT), served(null));
  }

  @Test
  void mutualTlsRequiresAClientCertificateFromTheConfiguredCa() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ",\"client_ca\":\"" + TestCerts.CA_CERT + "\""), "", "0");
    assertThrows(IOException.class, () -> {
      try (SSLSocket s = client(null, null, null)) {
        readLine(s.getInputStream());
      }
    });
    try (SSLSocket s = client(null, TestCerts.CLIENT_CERT, TestCerts.CLIENT_KEY)) {
      assertTrue(Set.of("a", "b").contains(readLine(s.getInputStream())));
    }
  }

  @Test
  void thePolicyFloorRefusesOlderProtocols() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ",\"security_policy\":\"tls-1-3\""), "", "0");
    assertThrows(IOException.class, () -> {
      try (SSLSocket s = client(null, null, null, "TLSv1.2")) {
        s.startHandshake();
      }
    });
    try (SSLSocket s = client(null, null, null, "TLSv1.3")) {
      s.startHandshake();
      assertEquals("TLSv1.3", s.getSession().getProtocol());
    }
  }

  @Test
  void failedHandshakesAreCountedByReason() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ",\"security_policy\":\"tls-1-3\""),
        ",\"client_timeout\":0.5", "0");
    try (TcpClient garbage = TcpClient.connect(port)) {
      garbage.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assertTrue(garbage.closedWithNothingSent());
    }
    assertThrows(IOException.class, () -> {
      try (SSLSocket s = client(null, null, null, "TLSv1.2")) {
        s.startHandshake();
      }
    });
    try (TcpClient silent = TcpClient.connect(port)) {
      assertTrue(silent.closedWithNothingSent());
    }
    ListenerState state = gw.gateway().runtime().listeners().get("ssl").state();
    Await.until(Duration.ofSeconds(5), () -> state.tlsFailures().keySet().containsAll(
        Set.of("not_tls", "protocol", "timeout")), () -> "counted: " + state.tlsFailures());
    assertEquals(3, state.refused(Refusal.TLS), state.tlsFailures().toString());
    assertEquals(0, state.active());
    String metrics = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
        .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
            "http://127.0.0.1:" + gw.gateway().adminPort() + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    assertTrue(metrics.contains("gatehouse_tls_handshake_failures_total{listener=\"ssl\",reason=\"not_tls\"} 1.0"),
        metrics);
    assertTrue(metrics.contains("gatehouse_listener_connections_refused_total{listener=\"ssl\",reason=\"tls\"} 3.0"),
        metrics);
  }

  @Test
  void aClientInitiatedRenegotiationIsRefused() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ""), "", "0");
    try (SSLSocket s = client(null, null, null, "TLSv1.2")) {
      s.startHandshake();
      assertTrue(Set.of("a", "b").contains(readLine(s.getInputStream())));
      s.getSession().invalidate();
      // a second handshake on the same connection: refused (the connection ends) rather than carried out
      String echoed;
      try {
        s.startHandshake();
        s.getOutputStream().write("ping\n".getBytes());
        s.getOutputStream().flush();
        echoed = readLine(s.getInputStream());
      } catch (IOException refused) {
        echoed = null;
      }
      assertTrue(echoed == null || echoed.isEmpty(), "the renegotiated connection still carried data: " + echoed);
    }
  }

  @Test
  void aSilentClientIsClosedAtClientTimeoutDuringTheHandshake() {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ""), ",\"client_timeout\":0.5", "0");
    try (TcpClient silent = TcpClient.connect(port)) {
      long t0 = System.nanoTime();
      assertTrue(silent.closedWithNothingSent());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 300 && ms < 4000, "closed after " + ms + " ms");
    }
  }

  @Test
  void aReplacedCertificateFileServesNewHandshakesWithoutRestart() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.copy(TestCerts.RSA_CERT, cert);
    Files.copy(TestCerts.RSA_KEY, key);
    start(tls(cert, key, ""), "", "100");
    try (SSLSocket open = client(null, null, null)) {
      open.startHandshake();
      assertEquals(subject(TestCerts.RSA_CERT), peer(open));
      // key first, then certificate, each by an atomic rename, as a certificate tool would
      Path tmp = dir.resolve("tmp.pem");
      Files.copy(TestCerts.EC_KEY, tmp);
      Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(TestCerts.EC_CERT, tmp);
      Files.move(tmp, cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Await.until(Duration.ofSeconds(10), () -> ecServed(), "new certificate not served");
      // the connection opened before keeps working
      assertTrue(Set.of("a", "b").contains(readLine(open.getInputStream())));
    }
  }

  private boolean ecServed() {
    try (SSLSocket s = client(null, null, null)) {
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getPublicKey().getAlgorithm().equals("EC");
    } catch (Exception e) {
      return false;
    }
  }

  private String served(String sni) throws Exception {
    try (SSLSocket s = client(sni, null, null)) {
      s.startHandshake();
      return peer(s);
    }
  }

  private static String peer(SSLSocket s) throws Exception {
    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
  }

  private static String subject(Path cert) throws Exception {
    return x509(cert).getSubjectX500Principal().getName();
  }

  private static X509Certificate x509(Path cert) throws Exception {
    try (InputStream in = Files.newInputStream(cert)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private SSLSocket client(String sni, Path clientCert, Path clientKey, String... protocols) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", x509(TestCerts.CA_CERT));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (clientCert != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", pkcs8(clientKey), "pw".toCharArray(), new Certificate[] {x509(clientCert)});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, "pw".toCharArray());
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(5000);
    SSLParameters params = socket.getSSLParameters();
    params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    if (protocols.length > 0) {
      params.setProtocols(protocols);
    }
    socket.setSSLParameters(params);
    return socket;
  }

  /** A PKCS#8 PEM private key (the fixtures' client keys are PKCS#8). */
  private static PrivateKey pkcs8(Path key) throws Exception {
    String pem = Files.readString(key);
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der = java.util.Base64.getDecoder().decode(body);
    java.security.spec.PKCS8EncodedKeySpec spec = new java.security.spec.PKCS8EncodedKeySpec(der);
    try {
      return java.security.KeyFactory.getInstance("RSA").generatePrivate(spec);
    } catch (java.security.spec.InvalidKeySpecException notRsa) {
      return java.security.KeyFactory.getInstance("EC").generatePrivate(spec);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      line.write(c);
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
