package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TlsClients;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failed TLS handshakes on an HTTPS listener are counted by reason as on SSL listeners (SslListenerTest): a client
 * gone mid-handshake as {@code closed}, a refused client-initiated renegotiation as {@code renegotiation}; the
 * errors of established connections (a reset) are not handshake failures.
 */
class HttpsTlsFailuresTest {

  static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTPS", "HTTP");
  static Member a;
  GatewayHarness gw;
  int port;

  @BeforeAll
  static void startMembers() {
    a = gateway.backends().http("a");
  }

  @BeforeEach
  void start() {
    gw = gateway.start(",\"tls\":{\"certificate\":\"" + TestCerts.RSA_CERT + "\",\"private_key\":\""
        + TestCerts.RSA_KEY + "\"}", "", members(a));
    port = gateway.port();
  }

  @Test
  void aClientGoneMidHandshakeIsClosedCleanlyAndCountedAsClosed() {
    try (LogCapture log = LogCapture.start()) {
      // a whole ClientHello; the client leaves as soon as the ServerHello's record starts to arrive
      try (TcpClient gone = TcpClient.connect(port)) {
        gone.write(TlsClients.clientHello(port));
        assertEquals(22, gone.readExactly(5)[0], "the gateway answers with a handshake record");
      }
      ListenerState state = state();
      Await.until(Duration.ofSeconds(5), () -> state.refused(Refusal.TLS) >= 1, () -> "counted: " + state.tlsFailures());
      assertServed();
      assertEquals(Map.of("closed", 1L), TlsFailureCounts.of(state));
      assertTrue(gw.metrics().contains(
          "gatehouse_tls_handshake_failures_total{listener=\"web\",reason=\"closed\"} 1.0"), gw.metrics());
      assertEquals(List.of(), log.lines().stream()
          .filter(l -> l.startsWith("WARNING") || l.startsWith("SEVERE")).toList());
    }
  }

  @Test
  void aClientInitiatedRenegotiationIsRefusedAndCounted() throws Exception {
    try (SSLSocket s = tls12()) { // TLS 1.3 has no renegotiation
      RawHttp http = new RawHttp(s);
      assertEquals(200, http.send(GET).read().status());
      s.getSession().invalidate(); // a full new handshake, not an abbreviated one
      s.startHandshake(); // sends the new ClientHello on the open connection and returns
      // refused: the connection ends (end of stream or an alert) instead of renegotiating and carrying on
      try {
        http.send(GET);
        assertTrue(http.closedByPeer(), "the connection neither renegotiated nor ended");
      } catch (java.io.UncheckedIOException refused) {
        // the alert the gateway sent, or the reset after it: ended
      }
    }
    ListenerState state = state();
    Await.until(Duration.ofSeconds(5), () -> TlsFailureCounts.of(state).containsKey("renegotiation"),
        () -> "counted: " + state.tlsFailures());
    Await.until(Duration.ofSeconds(5), () -> state.active() == 0, () -> "still active: " + state.active());
    assertEquals(Map.of("renegotiation", 1L), TlsFailureCounts.of(state));
    assertTrue(gw.metrics().contains(
        "gatehouse_tls_handshake_failures_total{listener=\"web\",reason=\"renegotiation\"} 1.0"), gw.metrics());
    assertServed();
  }

  @Test
  void anEstablishedConnectionResetMidRequestIsNoHandshakeFailure() throws Exception {
    try (SSLSocket s = tls12()) {
      s.startHandshake();
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-Half: ".getBytes());
      s.getOutputStream().flush();
      ListenerState state = state();
      Await.until(Duration.ofSeconds(5), () -> state.active() == 1, () -> "active: " + state.active());
      s.setSoLinger(true, 0); // the close resets the connection
    }
    ListenerState state = state();
    Await.until(Duration.ofSeconds(5), () -> state.active() == 0, () -> "still active: " + state.active());
    assertServed();
    assertEquals(Map.of(), TlsFailureCounts.of(state));
  }

  @Test
  void aBadChunkOverTlsGetsItsAnswerBeforeTheClose() {
    // the 400 is queued when Vert.x closes the connection at once: over TLS it must be flushed first, or the
    // engine, closed, sends only its close_notify while the access log says 400
    try (RawHttp raw = new RawHttp(TlsClients.socket(port, TlsClients.context(null, null)))) {
      String answer = raw.send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n")
          .readUntilClosed();
      assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
    }
    assertServed();
  }

  private SSLSocket tls12() {
    SSLSocket s = TlsClients.socket(port, TlsClients.context(null, null));
    SSLParameters params = s.getSSLParameters();
    params.setProtocols(new String[] {"TLSv1.2"});
    s.setSSLParameters(params);
    return s;
  }

  private void assertServed() {
    try (RawHttp next = new RawHttp(TlsClients.socket(port, TlsClients.context(null, null)))) {
      assertEquals(200, next.send(GET).read().status());
    }
  }

  private ListenerState state() {
    return gw.gateway().runtime().view().listener("web");
  }
}
