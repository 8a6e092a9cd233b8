package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TlsClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
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
  String top;

  @TempDir
  Path dir;

  @BeforeAll
  static void startMembers() {
    a = gateway.backends().tcpEcho("a");
    b = gateway.backends().tcpEcho("b");
  }

  void start(String tls, String listenerExtra, String scanPeriod) {
    port = TestPorts.free();
    top = head().replace("\"scan_period_ms\":0", "\"scan_period_ms\":" + scanPeriod);
    gw = gateway.start(config(tls, listenerExtra));
  }

  /** The listener {@code ssl} on {@link #port} in front of members a and b, under the head of the last start. */
  String config(String tls, String listenerExtra) {
    return "{" + top + """
        "listeners":[{"name":"ssl","protocol":"SSL","host":"127.0.0.1","protocol_port":%d,
                      "default_pool":"p","tls":%s%s}],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, tls, listenerExtra, members(a, b));
  }

  /** Rewrites the file with another {@code tls} object and reloads it. */
  ReloadOutcome reload(String tls) {
    gw.rewrite(config(tls, ""));
    return Sync.await(gw.gateway().runtime().reload());
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
    ListenerState state = state();
    Await.until(Duration.ofSeconds(5), () -> state.tlsFailures().keySet().containsAll(
        Set.of("not_tls", "protocol", "timeout")), () -> "counted: " + state.tlsFailures());
    assertEquals(3, state.refused(Refusal.TLS), state.tlsFailures().toString());
    // counted from accept, so also during the handshake, until each connection's close
    Await.until(Duration.ofSeconds(5), () -> state.active() == 0, () -> "active: " + state.active());
    String metrics = metrics();
    assertTrue(metrics.contains("gatehouse_tls_handshake_failures_total{listener=\"ssl\",reason=\"not_tls\"} 1.0"),
        metrics);
    assertTrue(metrics.contains("gatehouse_listener_connections_refused_total{listener=\"ssl\",reason=\"tls\"} 3.0"),
        metrics);
  }

  @Test
  void truncatedHandshakesAreClosedCleanlyAndCountedAsClosed() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ""), "", "0");
    byte[] hello = TlsClients.clientHello(port);
    try (LogCapture log = LogCapture.start()) {
      // half a ClientHello, then the end of the client's stream
      try (TcpClient half = TcpClient.connect(port)) {
        half.write(java.util.Arrays.copyOf(hello, hello.length / 2));
        half.shutdownOutput();
        assertTrue(half.closedWithNothingSent());
      }
      // a whole ClientHello; the client leaves as soon as the ServerHello's record starts to arrive
      try (TcpClient gone = TcpClient.connect(port)) {
        gone.write(hello);
        assertEquals(22, gone.readExactly(5)[0], "the gateway answers with a handshake record");
      }
      ListenerState state = state();
      Await.until(Duration.ofSeconds(5), () -> state.refused(Refusal.TLS) >= 1, () -> "counted: " + state.tlsFailures());
      Await.until(Duration.ofSeconds(5), () -> state.active() == 0, () -> "still active: " + state.active());
      // the gateway goes on serving; the handshake cut short after the ServerHello was counted once, as closed.
      // Half a ClientHello is not counted, and cannot be: with SNI (always on, ServerTls) Vert.x puts Netty's
      // SniHandler first, which buffers the ClientHello and, when the connection closes before it is whole,
      // fires no event at all, so the handshake promise behind NetServer.exceptionHandler never completes.
      try (SSLSocket s = client(null, null, null)) {
        assertTrue(Set.of("a", "b").contains(readLine(s.getInputStream())));
      }
      assertEquals(Map.of("closed", 1L), counts(state));
      assertTrue(metrics().contains(
          "gatehouse_tls_handshake_failures_total{listener=\"ssl\",reason=\"closed\"} 1.0"), metrics());
      // closed cleanly: a client going away is routine, nothing to warn about
      assertEquals(List.of(), log.lines().stream()
          .filter(l -> l.startsWith("WARNING") || l.startsWith("SEVERE")).toList());
    }
  }

  @Test
  void aClientInitiatedRenegotiationIsRefusedAndCounted() throws Exception {
    start(tls(TestCerts.RSA_CERT, TestCerts.RSA_KEY, ""), "", "0");
    try (SSLSocket s = client(null, null, null, "TLSv1.2")) { // TLS 1.3 has no renegotiation
      s.startHandshake();
      assertTrue(Set.of("a", "b").contains(readLine(s.getInputStream())));
      s.getSession().invalidate(); // a full new handshake, not an abbreviated one
      s.startHandshake(); // sends the new ClientHello on the open connection and returns
      // refused: the connection ends (end of stream or an alert) instead of renegotiating and carrying on
      try {
        s.getOutputStream().write("ping\n".getBytes());
        s.getOutputStream().flush();
        assertEquals(-1, s.getInputStream().read(), "the renegotiated connection still carried data");
      } catch (java.net.SocketTimeoutException silent) {
        throw new AssertionError("the connection neither renegotiated nor ended", silent);
      } catch (IOException refused) {
        // the alert the gateway sent, or the reset after it: ended
      }
    }
    ListenerState state = state();
    Await.until(Duration.ofSeconds(5), () -> counts(state).containsKey("renegotiation"),
        () -> "counted: " + state.tlsFailures());
    assertEquals(Map.of("renegotiation", 1L), counts(state));
    Await.until(Duration.ofSeconds(5), () -> state.active() == 0, () -> "still active: " + state.active());
    assertTrue(metrics().contains(
        "gatehouse_tls_handshake_failures_total{listener=\"ssl\",reason=\"renegotiation\"} 1.0"), metrics());
  }

  private ListenerState state() {
    return gw.gateway().runtime().view().listener("ssl");
  }

  private static Map<String, Long> counts(ListenerState state) {
    return TlsFailureCounts.of(state);
  }

  private String metrics() {
    return gw.metrics();
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

  @Test
  void aBrokenReplacementIsShownOnItsCertificateAndCountedWhileTheRunningOneStays() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.copy(TestCerts.RSA_CERT, cert);
    Files.copy(TestCerts.RSA_KEY, key);
    start(tls(cert, key, ""), "", "100");
    JsonObject tls = gw.status().getJsonArray("listeners").getJsonObject(0).getJsonObject("tls");
    assertTrue(tls.getJsonArray("protocols").contains("TLSv1.2"), tls.encode());
    assertFalse(tls.getJsonArray("cipher_suites").isEmpty());
    assertEquals("jdk".equals(System.getProperty(io.gatehouse.tls.TlsEngine.PROPERTY)) ? "jdk" : "boringssl",
        tls.getString("engine"));
    JsonObject served = tls.getJsonArray("certificates").getJsonObject(0);
    assertEquals(cert.toString(), served.getString("file"));
    assertTrue(served.getJsonArray("names").contains("localhost"), served.encode());
    assertEquals(x509(TestCerts.RSA_CERT).getNotAfter().toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
        .toString(), served.getString("not_after"));
    assertNull(served.getValue("last_reload_error"));

    // a key that does not match the certificate: refused, shown on the certificate, counted; the old pair serves
    Path tmp = dir.resolve("tmp.pem");
    Files.copy(TestCerts.EC_KEY, tmp);
    Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Await.until(Duration.ofSeconds(10), () -> certificate().getValue("last_reload_error") != null, "not shown");
    assertTrue(certificate().getString("last_reload_error").contains("private key does not match"),
        certificate().encode());
    assertTrue(gw.metrics().contains(
        "gatehouse_tls_certificate_reloads_total{listener=\"ssl\",result=\"failed\"} 1.0"), gw.metrics());
    assertEquals(subject(TestCerts.RSA_CERT), served(null));

    // a certificate that matches the new key: applied, counted, and no error stays on the pair
    Files.copy(TestCerts.EC_CERT, tmp);
    Files.move(tmp, cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Await.until(Duration.ofSeconds(10), () -> certificate().getValue("last_reload_error") == null, "not cleared");
    assertTrue(gw.metrics().contains(
        "gatehouse_tls_certificate_reloads_total{listener=\"ssl\",result=\"applied\"} 1.0"), gw.metrics());
    assertEquals(subject(TestCerts.EC_CERT), served(null));

    // a file gone for a while is one failure, said once, and clears when the same file is back
    Path aside = dir.resolve("aside.pem");
    Files.move(key, aside);
    Await.until(Duration.ofSeconds(10), () -> certificate().getValue("last_reload_error") != null, "not shown");
    Thread.sleep(500); // several scans of the missing file: still one failure (a bounded wait, not a sync point)
    assertTrue(gw.metrics().contains(
        "gatehouse_tls_certificate_reloads_total{listener=\"ssl\",result=\"failed\"} 2.0"), gw.metrics());
    Files.move(aside, key);
    Await.until(Duration.ofSeconds(10), () -> certificate().getValue("last_reload_error") == null, "not cleared");
  }

  private JsonObject certificate() {
    return gw.status().getJsonArray("listeners").getJsonObject(0).getJsonObject("tls").getJsonArray("certificates")
        .getJsonObject(0);
  }

  @Test
  void privateKeyMaterialIsNeverLogged() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Path ecCert = dir.resolve("ec-cert.pem");
    Path ecKey = dir.resolve("ec-key.pem");
    Path stray = dir.resolve("stray.pem");
    Files.copy(TestCerts.RSA_CERT, cert);
    Files.copy(TestCerts.RSA_KEY, key);
    Files.copy(TestCerts.EC_CERT, ecCert);
    Files.copy(TestCerts.EC_KEY, ecKey);
    Files.copy(TestCerts.STRAY_KEY, stray);
    String damaged = damage(Files.readString(TestCerts.EC_KEY));
    List<Logger> verbose = List.of(Logger.getLogger("io.gatehouse"), Logger.getLogger("io.vertx"),
        Logger.getLogger("io.netty"));
    List<Level> levels = verbose.stream().map(Logger::getLevel).toList();
    try (LogCapture log = LogCapture.start()) {
      verbose.forEach(l -> l.setLevel(Level.ALL)); // debug lines too: key bytes must not be in any of them
      start(tls(cert, key, ""), "", "100");
      assertEquals(subject(TestCerts.RSA_CERT), served(null));
      // a reload with another key pair: the listener changes in place and reads its files anew
      assertEquals(2, reload(tls(ecCert, ecKey, "")).version());
      Await.until(Duration.ofSeconds(10), this::ecServed, "the reloaded key pair is not served");
      // a key that does not match its certificate: the version is refused, with its reason logged
      assertTrue(reload(tls(ecCert, stray, "")).refused());
      // the watched key file damaged in place: the problem is logged, the running key stays
      Path tmp = dir.resolve("tmp.pem");
      Files.writeString(tmp, damaged);
      Files.move(tmp, ecKey, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      log.await("tls: listener ssl: ");
      assertTrue(ecServed());
      assertFalse(log.text().contains("PRIVATE KEY"), "a PEM key header was logged");
      for (String pem : List.of(Files.readString(TestCerts.RSA_KEY), Files.readString(TestCerts.EC_KEY),
          Files.readString(TestCerts.STRAY_KEY), damaged)) {
        assertNoMaterialOf(pem, log.text());
      }
    } finally {
      for (int i = 0; i < verbose.size(); i++) {
        verbose.get(i).setLevel(levels.get(i));
      }
    }
  }

  /** Neither a base64 line of the key's PEM body nor a run of its DER bytes in hex is in {@code logged}. */
  private static void assertNoMaterialOf(String pem, String logged) {
    List<String> body = pem.lines().filter(l -> !l.startsWith("-----") && l.length() >= 16).toList();
    for (String line : body) {
      assertFalse(logged.contains(line), "a line of a private key's PEM body was logged");
    }
    byte[] der = java.util.Base64.getMimeDecoder().decode(String.join("", body));
    String hex = java.util.HexFormat.of().formatHex(der, der.length / 2, der.length / 2 + 16);
    assertFalse(logged.toLowerCase(java.util.Locale.ROOT).contains(hex), "private key bytes were logged in hex");
  }

  /** The PEM key with part of its body overwritten: still base64, no longer a usable key. */
  private static String damage(String pem) {
    int start = pem.indexOf('\n') + 20;
    return pem.substring(0, start) + "A".repeat(24) + pem.substring(start + 24);
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

  private static X509Certificate x509(Path cert) {
    return TlsClients.x509(cert);
  }

  private SSLSocket client(String sni, Path clientCert, Path clientKey, String... protocols) {
    SSLSocket socket = TlsClients.socket(port, TlsClients.context(clientCert, clientKey));
    SSLParameters params = socket.getSSLParameters();
    params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    if (protocols.length > 0) {
      params.setProtocols(protocols);
    }
    socket.setSSLParameters(params);
    return socket;
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      line.write(c);
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
