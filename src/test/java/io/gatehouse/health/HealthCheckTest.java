package io.gatehouse.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.MemberStatus;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.UdpClient;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Active probes of every type, and what listeners do with their verdict, end to end on loopback. */
class HealthCheckTest extends GatewayHealthTest {

  @Test
  void tcpMemberGoesOfflineWhenStoppedAndOnlineWhenStartedWithinDelayTimesRetries() {
    Backends.Member a = backends.tcpEcho("a");
    Backends.Member b = backends.tcpEcho("b");
    start("TCP", ",\"health_monitor\":{\"type\":\"TCP\"," + FAST + "}", members(a.port(), b.port()));
    assertEquals(MemberStatus.ONLINE, memberAt(a.port()).health().status());
    Await.until(VERDICT, () -> counts(a.port()).success() >= 2, "probes run");

    a.stop();
    awaitStatus(a.port(), MemberStatus.OFFLINE, VERDICT);
    assertEquals("connect refused", memberAt(a.port()).health().reason());
    assertEquals(MemberStatus.ONLINE, memberAt(b.port()).health().status());
    for (int i = 0; i < 6; i++) {
      try (TcpClient c = TcpClient.connect(port)) {
        assertEquals("b", c.readLine());
      }
    }

    a.start();
    awaitStatus(a.port(), MemberStatus.ONLINE, VERDICT);
    assertEquals("connected", memberAt(a.port()).health().reason());
    assertTrue(counts(a.port()).failure() >= 2);
  }

  @Test
  void noLiveTrafficReachesAMemberOnceMarkedOffline() {
    HttpMember a = httpMember("a", false);
    HttpMember b = httpMember("b", false);
    start("TCP", ",\"health_monitor\":{\"type\":\"HTTP\",\"url_path\":\"/health\"," + FAST + "}",
        members(a.server.port(), b.server.port()));
    a.code.set(500);
    awaitStatus(a.server.port(), MemberStatus.OFFLINE, VERDICT);
    assertEquals("HTTP 500", memberAt(a.server.port()).health().reason());
    int before = a.traffic.get();
    for (int i = 0; i < 20; i++) {
      assertEquals("b", viaTcpListener(null));
    }
    assertEquals(before, a.traffic.get());

    a.code.set(200);
    awaitStatus(a.server.port(), MemberStatus.ONLINE, VERDICT);
    assertEquals("HTTP 200", memberAt(a.server.port()).health().reason());
    assertEquals(Set.of("a", "b"), Set.of(viaTcpListener(null), viaTcpListener(null)));
  }

  @Test
  void httpProbeSendsMethodPathAndDomainNameAsHost() {
    HttpMember a = httpMember("a", false);
    start("HTTP", ",\"health_monitor\":{\"type\":\"HTTP\",\"http_method\":\"POST\",\"url_path\":\"/health/deep?x=1\","
        + "\"domain_name\":\"health.example.com\"," + FAST + "}", members(a.server.port()));
    Await.until(VERDICT, () -> a.lastProbe.get() != null, "a probe arrives");
    assertEquals("POST /health/deep?x=1 Host=health.example.com", a.lastProbe.get());
  }

  @Test
  void httpProbeWithoutDomainNameSendsTheMemberAddressAsHost() {
    HttpMember a = httpMember("a", false);
    start("HTTP", ",\"health_monitor\":{\"type\":\"HTTP\",\"url_path\":\"/health\"," + FAST + "}",
        members(a.server.port()));
    Await.until(VERDICT, () -> a.lastProbe.get() != null, "a probe arrives");
    assertEquals("GET /health Host=127.0.0.1:" + a.server.port(), a.lastProbe.get());
  }

  @Test
  void expectedCodesListsAndRangesDecide() {
    HttpMember a = httpMember("a", false);
    a.code.set(302);
    start("HTTP", ",\"health_monitor\":{\"type\":\"HTTP\",\"url_path\":\"/health\","
        + "\"expected_codes\":\"200-299,302\"," + FAST + "}", members(a.server.port()));
    Await.until(VERDICT, () -> counts(a.server.port()).success() >= 3, "302 counts as up");
    a.code.set(301);
    awaitStatus(a.server.port(), MemberStatus.OFFLINE, VERDICT);
    assertEquals("HTTP 301", memberAt(a.server.port()).health().reason());
    a.code.set(204);
    awaitStatus(a.server.port(), MemberStatus.ONLINE, VERDICT);
    assertEquals("HTTP 204", memberAt(a.server.port()).health().reason());
  }

  @Test
  void aSlowAnswerIsATimeout() {
    HttpMember fast = httpMember("fast", false);
    Backends.Member slow = backends.http("slow", false,
        req -> backends.vertx().setTimer(3000, id -> req.response().end()));
    start("HTTP", ",\"health_monitor\":{\"type\":\"HTTP\",\"url_path\":\"/health\"," + FAST + "}",
        members(fast.server.port(), slow.port()));
    awaitStatus(slow.port(), MemberStatus.OFFLINE, VERDICT.plusMillis(400));
    assertEquals("timeout after 0.2 s", memberAt(slow.port()).health().reason());
    assertEquals(MemberStatus.ONLINE, memberAt(fast.server.port()).health().status());
  }

  @Test
  void httpsProbeAcceptsAnUntrustedMemberCertificate() {
    HttpMember a = httpMember("a", true);
    // two seconds per probe: the first TLS handshakes of a fresh JVM (classes loaded, crypto not yet compiled)
    // took 0.3-1.3 s on a loaded machine and over 1 s with two test JVMs side by side, so FAST's 0.2 s timed every
    // one of them out before any could warm the next
    start("HTTP", ",\"health_monitor\":{\"type\":\"HTTPS\",\"url_path\":\"/health\",\"delay\":2,\"timeout\":2,"
        + "\"max_retries\":2,\"max_retries_down\":2}", members(a.server.port()));
    Duration verdict = Duration.ofSeconds(12);
    Await.until(verdict, () -> counts(a.server.port()).success() >= 2,
        () -> "HTTPS probes succeed; member " + memberAt(a.server.port()).health());
    a.code.set(503);
    awaitStatus(a.server.port(), MemberStatus.OFFLINE, verdict);
    assertEquals("HTTP 503", memberAt(a.server.port()).health().reason());
  }

  @Test
  void monitorPortIsProbedInsteadOfTheMemberPort() {
    Backends.Member health = backends.tcp("health", so -> so.close());
    int deadDataPort = TestPorts.free();
    start("TCP", ",\"health_monitor\":{\"type\":\"TCP\",\"monitor_port\":" + health.port() + "," + FAST + "}",
        members(deadDataPort));
    Await.until(VERDICT, () -> counts(deadDataPort).success() >= 2 && health.hits.get() >= 2,
        "the monitor port answers the probes");
    assertEquals(MemberStatus.ONLINE, memberAt(deadDataPort).health().status());
    health.stop();
    awaitStatus(deadDataPort, MemberStatus.OFFLINE, VERDICT);
  }

  @Test
  void allMembersOfflineClosesTcpClientsAtOnce() {
    Backends.Member a = backends.tcpEcho("a");
    start("TCP", ",\"health_monitor\":{\"type\":\"TCP\",\"monitor_port\":" + TestPorts.free() + "," + FAST + "}",
        members(a.port()));
    awaitStatus(a.port(), MemberStatus.OFFLINE, VERDICT);
    try (TcpClient c = TcpClient.connect(port)) {
      c.setReadTimeout(1000);
      assertTrue(c.closedWithNothingSent());
    }
    assertEquals(0, a.hits.get());
  }

  @Test
  void udpConnectSeesIcmpRefusalAndDropsDatagramsOnceAllAreOffline() {
    Backends.Member echo = backends.udpEcho("u");
    int dead = TestPorts.free();
    start("UDP", ",\"health_monitor\":{\"type\":\"UDP_CONNECT\"," + FAST + "}", members(echo.port(), dead));
    awaitStatus(dead, MemberStatus.OFFLINE, VERDICT);
    assertEquals("ICMP port unreachable", memberAt(dead).health().reason());
    Await.until(VERDICT, () -> counts(echo.port()).success() >= 2, "a live UDP member stays up");
    assertEquals(MemberStatus.ONLINE, memberAt(echo.port()).health().status());
    try (UdpClient client = new UdpClient(port)) {
      assertEquals("u", client.ask("who?"));
    }
    gw.close();

    // the live member probed on a port nothing listens on: every member OFFLINE, datagrams dropped
    start("UDP", ",\"health_monitor\":{\"type\":\"UDP_CONNECT\",\"monitor_port\":" + dead + "," + FAST + "}",
        members(echo.port()));
    awaitStatus(echo.port(), MemberStatus.OFFLINE, VERDICT);
    int hits = echo.hits.get();
    try (UdpClient client = new UdpClient(port)) {
      client.send("who?");
      assertNull(client.receive(500));
    }
    assertEquals(hits, echo.hits.get());
  }

  @Test
  void udpConnectCountsSilenceUntilTheTimeoutAsUp() throws SocketException {
    // a UDP port bound but never answering: nothing is sent back, no ICMP either
    try (DatagramSocket quiet = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      start("UDP", ",\"health_monitor\":{\"type\":\"UDP_CONNECT\"," + FAST + "}", members(quiet.getLocalPort()));
      Await.until(VERDICT, () -> counts(quiet.getLocalPort()).success() >= 2, "silence counts as up");
      assertEquals(MemberStatus.ONLINE, memberAt(quiet.getLocalPort()).health().status());
      assertTrue(memberAt(quiet.getLocalPort()).health().reason().startsWith("added"));
    }
  }
}
