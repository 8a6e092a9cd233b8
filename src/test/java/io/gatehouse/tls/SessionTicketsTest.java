package io.gatehouse.tls;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session tickets on the BoringSSL engine: a client resumes with its ticket (TLS 1.3 and 1.2), still after two key
 * rotations, not after a third, and only on a listener with the same certificate and client authentication. (A
 * ticket from one node resuming on another, two processes sharing the cluster secret: ClusterJarIT.)
 */
class SessionTicketsTest {

  @TempDir
  Path dir;

  @Test
  void aTicketResumesUntilItsKeyIsThreeHoursOld() throws Exception {
    assumeTrue(TlsEngine.of(TlsConfig.Engine.BORINGSSL) == TlsEngine.OPENSSL, "no tickets on the JDK engine");
    Path request = request();
    try (Backends backends = new Backends()) {
      int port = TestPorts.free();
      try (GatewayHarness gw = https(port, "\"security_policy\":\"tls-1-2-fs-with-1-3\"", backends)) {
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
          Path session = dir.resolve("session-" + version);
          long hour = SessionTickets.currentHour();
          try {
            SClient.Result first = SClient.withSession(port, version, session, false, request);
            assertFalse(first.refused(), first.output());
            assertFalse(first.resumed(), first.output());
            if (version.equals("TLSv1.2")) {
              assertTrue(first.output().contains("lifetime hint: 7200 (seconds)"), "a ticket outliving its key\n"
                  + first.output());
            }
            SClient.Result again = SClient.withSession(port, version, session, true, request);
            assertTrue(again.resumed(), version + ": not resumed\n" + again.output());
            assertTrue(again.output().contains("HTTP/1.1 200"), again.output());

            SessionTickets.rotateTo(hour + 2); // the ticket's key is now the oldest kept
            assertTrue(SClient.withSession(port, version, session, true, request).resumed(), version + " +2 h");
            SessionTickets.rotateTo(hour + 3); // the ticket's key is gone: a full handshake
            SClient.Result stale = SClient.withSession(port, version, session, true, request);
            assertFalse(stale.refused(), stale.output());
            assertFalse(stale.resumed(), version + " +3 h resumed\n" + stale.output());
          } finally {
            SessionTickets.rotateTo(hour);
          }
        }
        // what an operator checks: how many resumed, and which key seals tickets (the same on nodes sharing keys)
        var tls = gw.status().getJsonArray("listeners").getJsonObject(0).getJsonObject("tls");
        assertEquals(4L, tls.getJsonObject("handshakes").getLong("full"), tls.encode()); // first and stale, twice
        assertEquals(4L, tls.getJsonObject("handshakes").getLong("resumed"), tls.encode());
        var tickets = tls.getJsonObject("session_tickets");
        assertEquals("process", tickets.getString("keys"));
        assertTrue(tickets.getString("key_name").matches("[0-9a-f]{16}"), tickets.encode());
        assertTrue(gw.metrics().contains("gatehouse_tls_handshakes_total{listener=\"web\",resumed=\"true\"} 4.0"),
            gw.metrics());
      }
    }
  }

  /**
   * TLS 1.3 tickets go out right after the handshake, not with the first response: a client that waits for its
   * ticket, or holds its request back under Nagle until the Finished is acknowledged, is not kept waiting.
   */
  @Test
  void aTls13TicketComesRightAfterTheHandshakeBeforeAnyRequest() throws Exception {
    assumeTrue(TlsEngine.of(TlsConfig.Engine.BORINGSSL) == TlsEngine.OPENSSL, "no tickets on the JDK engine");
    try (Backends backends = new Backends()) {
      int port = TestPorts.free();
      try (GatewayHarness gw = https(port, "\"security_policy\":\"tls-1-2-fs-with-1-3\"", backends)) {
        assertTrue(SClient.ticketWithoutRequest(port, dir.resolve("https-ticket"), 5000), "HTTPS: no ticket");
      }
      int ssl = TestPorts.free();
      try (GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[{"name":"tls","protocol":"SSL","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                        "tls":{"certificate":"%s","private_key":"%s","security_policy":"tls-1-2-fs-with-1-3"}}],
          "pools":[{"name":"p","protocol":"TCP","members":%s}]}
          """.formatted(ssl, TestCerts.RSA_CERT, TestCerts.RSA_KEY, Configs.members(backends.http("m"))))) {
        assertTrue(SClient.ticketWithoutRequest(ssl, dir.resolve("ssl-ticket"), 5000), "SSL: no ticket");
      }
    }
  }

  @Test
  void aTicketResumesOnlyWhereTheCertificateAndTheClientAuthenticationAreTheSame() throws Exception {
    assumeTrue(TlsEngine.of(TlsConfig.Engine.BORINGSSL) == TlsEngine.OPENSSL, "no tickets on the JDK engine");
    Path request = request();
    try (Backends backends = new Backends()) {
      int open = TestPorts.free();
      int twin = TestPorts.free();
      int mtls = TestPorts.free();
      int ec = TestPorts.free();
      String listener = """
          {"name":"%s","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "tls":{"certificate":"%s","private_key":"%s","security_policy":"tls-1-2-fs-with-1-3"%s}}""";
      try (GatewayHarness gw = GatewayHarness.start("{" + head() + "\"listeners\":["
          + listener.formatted("open", open, TestCerts.RSA_CERT, TestCerts.RSA_KEY, "") + ","
          + listener.formatted("twin", twin, TestCerts.RSA_CERT, TestCerts.RSA_KEY, "") + ","
          + listener.formatted("mtls", mtls, TestCerts.RSA_CERT, TestCerts.RSA_KEY,
              ",\"client_ca\":\"" + TestCerts.CA_CERT + "\"") + ","
          + listener.formatted("ec", ec, TestCerts.EC_CERT, TestCerts.EC_KEY, "") + "],"
          + "\"pools\":[{\"name\":\"p\",\"protocol\":\"HTTP\",\"members\":"
          + Configs.members(backends.http("m")) + "}]}")) {
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
          Path session = dir.resolve("scoped-" + version);
          SClient.Result first = SClient.withSession(open, version, session, false, request);
          assertFalse(first.refused(), first.output());
          assertTrue(SClient.withSession(twin, version, session, true, request).resumed(),
              version + ": the same certificate and no client authentication: the same scope");
          // a client without a certificate must not get past client_ca with a ticket from a listener without it
          SClient.Result past = SClient.withSession(mtls, version, session, true, request);
          assertFalse(past.resumed(), version + ": resumed past client_ca\n" + past.output());
          assertFalse(past.output().contains("HTTP/1.1 200"), version + ": answered\n" + past.output());
          SClient.Result other = SClient.withSession(ec, version, session, true, request);
          assertFalse(other.resumed(), version + ": resumed under another certificate\n" + other.output());
          assertTrue(other.output().contains("HTTP/1.1 200"), "a full handshake instead\n" + other.output());
        }
      }
    }
  }

  @Test
  void theJdkEngineResumesBySessionIdAndHandsOutNoTicket() throws Exception {
    Path request = request();
    try (Backends backends = new Backends()) {
      int port = TestPorts.free();
      try (GatewayHarness gw = https(port, "\"engine\":\"jdk\"", backends)) {
        Path session = dir.resolve("session-jdk");
        SClient.Result first = SClient.withSession(port, "TLSv1.2", session, false, request);
        assertFalse(first.refused(), first.output());
        assertFalse(first.output().contains("TLS session ticket:"), "a ticket on the JDK engine\n" + first.output());
        SClient.Result again = SClient.withSession(port, "TLSv1.2", session, true, request);
        assertTrue(again.resumed(), "not resumed by session ID\n" + again.output());
      }
    }
  }

  /** An HTTP request ending in Connection: close, so that a session's tickets arrive before the close. */
  private Path request() throws java.io.IOException {
    return Files.writeString(dir.resolve("request"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }

  /** An HTTPS listener on {@code port} with the RSA test pair and {@code tls} (more fields) before one member. */
  private static GatewayHarness https(int port, String tls, Backends backends) {
    return GatewayHarness.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "tls":{"certificate":"%s","private_key":"%s",%s}}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, tls, Configs.members(backends.http("m"))));
  }
}
