package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TcpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code trusted_proxies} and {@code insert_headers."X-Forwarded-For"}: which client-sent forwarding headers a
 * member gets, through a real gateway; the member echoes the header lines it received.
 */
class ForwardedHeadersTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTP", "HTTP");
  static Member a;

  /** Two X-Forwarded-For lines and two Forwarded lines, as a client (or a chain of proxies) may send them. */
  static final String SPOOFING = "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.1.1.1\r\n"
      + "X-Forwarded-For: 10.2.2.2\r\nForwarded: for=192.0.2.1\r\nForwarded: for=192.0.2.2;proto=https\r\n"
      + "Connection: close\r\n\r\n";

  @BeforeAll
  static void startMember() {
    a = gateway.backends().http("a");
  }

  /** The header lines the member received with {@code name}, in order. */
  static List<String> received(String memberAnswer, String name) {
    String prefix = name.toLowerCase() + ": ";
    return Arrays.stream(memberAnswer.split("\n")).filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()).trim()).toList();
  }

  String ask(String request) {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r = raw.send(request).read();
      assertEquals(200, r.status(), r.head());
      return r.body();
    }
  }

  @Test
  void replaceDropsAnUntrustedClientsValueAndItsForwarded() {
    gateway.start(",\"insert_headers\":{\"X-Forwarded-For\":\"replace\"}", "", members(a));
    String got = ask(SPOOFING);
    assertEquals(List.of("127.0.0.1"), received(got, "X-Forwarded-For"), got);
    assertEquals(List.of(), received(got, "Forwarded"), got);
  }

  @Test
  void replaceAppendsToATrustedProxysValueAndKeepsItsForwarded() {
    gateway.start(",\"trusted_proxies\":[\"10.0.0.0/8\",\"127.0.0.0/24\"],"
        + "\"insert_headers\":{\"X-Forwarded-For\":\"replace\"}", "", members(a));
    String got = ask(SPOOFING);
    assertEquals(List.of("10.1.1.1, 10.2.2.2, 127.0.0.1"), received(got, "X-Forwarded-For"), got);
    assertEquals(List.of("for=192.0.2.1", "for=192.0.2.2;proto=https"), received(got, "Forwarded"), got);
  }

  @Test
  void appendKeepsItsOldBehaviourButForwardedNeedsATrustedPeer() {
    gateway.start("", "", members(a));
    String got = ask(SPOOFING);
    assertEquals(List.of("10.1.1.1, 10.2.2.2, 127.0.0.1"), received(got, "X-Forwarded-For"), got);
    assertEquals(List.of(), received(got, "Forwarded"), "untrusted: removed, every line");
  }

  @Test
  void offPassesTheClientsValueUnchanged() {
    gateway.start(",\"trusted_proxies\":[\"192.0.2.0/24\"],\"insert_headers\":{\"X-Forwarded-For\":false}", "",
        members(a));
    String got = ask(SPOOFING);
    assertEquals(List.of("10.1.1.1", "10.2.2.2"), received(got, "X-Forwarded-For"), got);
    assertEquals(List.of(), received(got, "Forwarded"), got);
  }

  @Test
  void aReloadChangesTrustedProxiesInPlaceForRequestsOnOpenConnectionsToo() throws Exception {
    GatewayHarness gw = gateway.start(",\"insert_headers\":{\"X-Forwarded-For\":\"replace\"}", "", members(a));
    ListenerState running = gw.gateway().runtime().view().listener("web");
    String keepAlive = SPOOFING.replace("Connection: close\r\n", "");
    try (RawHttp raw = new RawHttp(gateway.port())) {
      assertEquals(List.of("127.0.0.1"), received(raw.send(keepAlive).read().body(), "X-Forwarded-For"));
      String json = Files.readString(gw.configFile());
      gw.rewrite(json.replace("\"insert_headers\"", "\"trusted_proxies\":[\"127.0.0.0/8\"],\"insert_headers\""));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
      assertSame(running, gw.gateway().runtime().view().listener("web"), "changed in place, not replaced");
      String got = raw.send(keepAlive).read().body();
      assertEquals(List.of("10.1.1.1, 10.2.2.2, 127.0.0.1"), received(got, "X-Forwarded-For"), got);
      assertEquals(2, received(got, "Forwarded").size(), got);
    }
  }

  @Test
  void behindAProxyProtocolHopThePeerIsTheAddressThePROXYHeaderNames() {
    gateway.start(",\"accept_proxy_protocol\":{\"trusted_cidrs\":[\"127.0.0.2/32\"]},"
        + "\"trusted_proxies\":[\"203.0.113.0/24\"],\"insert_headers\":{\"X-Forwarded-For\":\"replace\"}", "",
        members(a));
    int port = gateway.port();
    String trusted = viaProxyProtocol("PROXY TCP4 203.0.113.9 127.0.0.1 40001 " + port + "\r\n" + SPOOFING);
    assertEquals(List.of("10.1.1.1, 10.2.2.2, 203.0.113.9"), received(trusted, "X-Forwarded-For"), trusted);
    assertEquals(2, received(trusted, "Forwarded").size(), trusted);
    String untrusted = viaProxyProtocol("PROXY TCP4 198.51.100.7 127.0.0.1 40001 " + port + "\r\n" + SPOOFING);
    assertEquals(List.of("198.51.100.7"), received(untrusted, "X-Forwarded-For"), untrusted);
    assertEquals(List.of(), received(untrusted, "Forwarded"), untrusted);
    assertFalse(untrusted.contains("10.1.1.1"), untrusted);
  }

  @Test
  void aPROXYHeadersIpv4MappedClientIsItsIpv4AddressForTrustedProxies() {
    gateway.start(",\"accept_proxy_protocol\":{\"trusted_cidrs\":[\"127.0.0.2/32\"]},"
        + "\"trusted_proxies\":[\"::ffff:203.0.113.0/120\",\"::/0\"],"
        + "\"insert_headers\":{\"X-Forwarded-For\":\"replace\"}", "", members(a));
    int port = gateway.port();
    String trusted = viaProxyProtocol("PROXY TCP6 ::ffff:203.0.113.9 ::1 40001 " + port + "\r\n" + SPOOFING);
    assertEquals(List.of("10.1.1.1, 10.2.2.2, 203.0.113.9"), received(trusted, "X-Forwarded-For"), trusted);
    // ::/0 is every IPv6 client, and an IPv4 client written mapped is an IPv4 client
    String untrusted = viaProxyProtocol("PROXY TCP6 ::ffff:198.51.100.7 ::1 40001 " + port + "\r\n" + SPOOFING);
    assertEquals(List.of("198.51.100.7"), received(untrusted, "X-Forwarded-For"), untrusted);
  }

  @Test
  void underscoreLookAlikesOfForwardingHeadersNeverReachTheMember() {
    gateway.start(",\"trusted_proxies\":[\"127.0.0.0/8\"]", "", members(a));
    String got = ask("GET / HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\nx_real_ip: 6.6.6.6\r\n"
        + "X_FORWARDED_PROTO: https\r\nX_Client_Cert_Subject: CN=admin\r\nX_Other: kept\r\n"
        + "Connection: close\r\n\r\n");
    assertFalse(got.contains("6.6.6.6") || got.contains("CN=admin"), got);
    assertEquals(List.of("http"), received(got, "X-Forwarded-Proto"), got);
    assertEquals(List.of("kept"), received(got, "X_Other"), "other underscore names pass: " + got);
  }

  @Test
  void emptyXForwardedForElementsAreDropped() {
    gateway.start("", "", members(a));
    String got = ask("GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: , 10.1.1.1,,\r\nX-Forwarded-For: \r\n"
        + "Connection: close\r\n\r\n");
    assertEquals(List.of("10.1.1.1, 127.0.0.1"), received(got, "X-Forwarded-For"), got);
  }

  @Test
  void xRealIpIsThePeerOrFromATrustedProxyTheLastAddressItForwardsFor() {
    String request = "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.1.1.1, 203.0.113.7\r\n"
        + "X-Real-IP: 6.6.6.6\r\nConnection: close\r\n\r\n";
    gateway.start(",\"insert_headers\":{\"X-Real-IP\":true}", "", members(a));
    assertEquals(List.of("127.0.0.1"), received(ask(request), "X-Real-IP"), "untrusted: the peer");
    gateway.start(",\"trusted_proxies\":[\"127.0.0.0/8\"],\"insert_headers\":{\"X-Real-IP\":true}", "",
        members(a));
    assertEquals(List.of("203.0.113.7"), received(ask(request), "X-Real-IP"), "the client the proxy names");
  }

  static String viaProxyProtocol(String request) {
    try (TcpClient l4 = TcpClient.connect("127.0.0.1", gateway.port(), "127.0.0.2")) {
      l4.write(request);
      String answer = new String(l4.readToEnd(), StandardCharsets.ISO_8859_1);
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
      return answer;
    }
  }
}
