package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TlsClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client refused by ip_group, connection_limit or client_connection_limit on an HTTPS or SSL listener is closed
 * at accept, before any TLS work: a ClientHello gets no ServerHello, no byte at all, and no handshake failure is
 * counted. Admitted connections are counted from accept to close exactly once, however they end.
 */
class RefusalAtAcceptTest {

  static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  /** Far below the client_timeout a held connection would otherwise get. */
  static final int REFUSED_WITHIN_MILLIS = 500;

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member http;
  static Member tcp;
  static SSLContext tls;
  GatewayHarness gw;
  int port;
  String protocol;

  @BeforeAll
  static void startMembers() {
    http = gateway.backends().http("h");
    tcp = gateway.backends().tcpEcho("t");
    tls = TlsClients.context(null, null);
  }

  void start(String protocol, String listenerExtra) {
    this.protocol = protocol;
    port = TestPorts.free();
    boolean toHttp = protocol.startsWith("HTTP");
    String tls = protocol.equals("HTTPS") || protocol.equals("SSL")
        ? ",\"tls\":{\"certificate\":\"%s\",\"private_key\":\"%s\"}".formatted(TestCerts.RSA_CERT, TestCerts.RSA_KEY)
        : "";
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"front","protocol":"%s","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "client_timeout":10%s%s}],
        "pools":[{"name":"p","protocol":"%s","members":%s}]}
        """.formatted(protocol, port, tls, listenerExtra, toHttp ? "HTTP" : "TCP", members(toHttp ? http : tcp)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTPS", "SSL"})
  void aClientDeniedByIpGroupGetsNoServerHello(String protocol) {
    start(protocol, ",\"ip_group\":{\"type\":\"black\",\"cidrs\":[\"127.0.0.2/32\"]}");
    assertRefusedAtAccept("127.0.0.2");
    assertServed("127.0.0.3");
    ListenerState state = state();
    assertEquals(1, state.refused(Refusal.ACL));
    assertEquals(Map.of(), TlsFailureCounts.of(state), "no TLS work was done for the refused client");
    assertTrue(gw.metrics().contains(
        "gatehouse_listener_connections_refused_total{listener=\"front\",reason=\"acl\"} 1.0"), gw.metrics());
  }

  @Test
  void anIpGroupChangedByAReloadRefusesAtAcceptAtOnce() {
    start("HTTPS", "");
    assertServed("127.0.0.2");
    gw.rewrite(readConfig().replace("\"client_timeout\":10,",
        "\"client_timeout\":10,\"ip_group\":{\"type\":\"white\",\"cidrs\":[\"127.0.0.3/32\"]},"));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertRefusedAtAccept("127.0.0.2");
    assertServed("127.0.0.3");
  }

  /** A listener replaced on its port binds a socket of its own beside the old one: that socket is gated too. */
  @Test
  void aListenerReplacedOnItsPortRefusesAtAcceptOnItsNewSocket() {
    start("HTTPS", "");
    gw.rewrite(readConfig().replace("\"client_timeout\":10,",
        "\"client_timeout\":10,\"http2_enable\":true,\"ip_group\":{\"type\":\"black\",\"cidrs\":[\"127.0.0.2/32\"]},"));
    ListenerState old = state();
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertTrue(old != state(), "the listener was not replaced");
    assertRefusedAtAccept("127.0.0.2");
    assertServed("127.0.0.3");
    assertEquals(1, state().refused(Refusal.ACL));
    assertEquals(Map.of(), TlsFailureCounts.of(state()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTPS", "SSL"})
  void theConnectionOverConnectionLimitGetsNoServerHello(String protocol) throws IOException {
    start(protocol, ",\"connection_limit\":1");
    try (SSLSocket held = TlsClients.socket(port, "127.0.0.2", tls)) {
      held.startHandshake();
      assertRefusedAtAccept("127.0.0.3");
      assertEquals(1, state().refused(Refusal.LIMIT));
    }
    awaitNoneActive();
    assertServed("127.0.0.3");
    assertEquals(Map.of(), TlsFailureCounts.of(state()));
  }

  @Test
  void theConnectionOverClientConnectionLimitGetsNoServerHello() throws IOException {
    start("HTTPS", ",\"client_connection_limit\":1");
    try (SSLSocket held = TlsClients.socket(port, "127.0.0.2", tls)) {
      held.startHandshake();
      assertRefusedAtAccept("127.0.0.2");
      assertServed("127.0.0.3"); // another client has its own count
      assertEquals(1, state().refused(Refusal.LIMIT));
    }
    awaitNoneActive();
    assertServed("127.0.0.2");
  }

  /**
   * Counted at accept, released when the connection closes, whichever way: closed before a byte, mid-handshake,
   * by a reset, or after a whole exchange. With client_connection_limit 1 a count left behind refuses the next
   * connection from the same address, and one released twice shows as a negative gauge.
   */
  @ParameterizedTest
  @ValueSource(strings = {"HTTPS", "SSL"})
  void theCountsComeBackToZeroHoweverConnectionsEnd(String protocol) throws IOException {
    start(protocol, ",\"client_connection_limit\":1,\"connection_limit\":1");
    for (int i = 0; i < 40; i++) {
      switch (i % 4) {
        case 0 -> TcpClient.connect("127.0.0.1", port, "127.0.0.2").close();
        case 1 -> {
          try (TcpClient midHandshake = TcpClient.connect("127.0.0.1", port, "127.0.0.2")) {
            midHandshake.write(TlsClients.clientHello(port));
            assertEquals(22, midHandshake.readExactly(5)[0], "no ServerHello on try " + i);
          }
        }
        case 2 -> {
          try (TcpClient reset = TcpClient.connect("127.0.0.1", port, "127.0.0.2")) {
            reset.write(TlsClients.clientHello(port));
            // the ServerHello first: a reset that beats the accept is dropped by io_uring's before the gateway sees
            // a connection, and this case is about one the gateway holds
            assertEquals(22, reset.readExactly(5)[0], "no ServerHello on try " + i);
            reset.socket().setSoLinger(true, 0);
          }
        }
        default -> assertServed("127.0.0.2");
      }
      awaitSettled(i + 1);
    }
    assertServed("127.0.0.2");
    awaitSettled(41);
    assertEquals(0, state().refused(Refusal.LIMIT), "a connection was refused: a count was left behind");
    assertTrue(gw.metrics().contains("gatehouse_listener_connections_active{listener=\"front\"} 0.0"), gw.metrics());
  }

  /**
   * A peer outside accept_proxy_protocol.trusted_cidrs may not name a client: it is refused at accept (an acl
   * refusal), not held until client_timeout waiting for a PROXY header it may not send. It sends nothing here, so
   * only the accept gate can end it in time.
   */
  @ParameterizedTest
  @ValueSource(strings = {"TCP", "SSL", "HTTP", "HTTPS"})
  void aPeerThatIsNotATrustedProxyIsRefusedAtAccept(String protocol) {
    start(protocol, ",\"accept_proxy_protocol\":{\"trusted_cidrs\":[\"127.0.0.3/32\"]}");
    assertRefusedAtAccept("127.0.0.2", new byte[0]);
    assertEquals(1, state().refused(Refusal.ACL));
    assertEquals(Map.of(), TlsFailureCounts.of(state()));
    assertServedViaProxy("127.0.0.3", "PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + port + "\r\n");
    assertEquals(1, state().accepted());
  }

  /** From {@code from}, a PROXY header then the protocol's exchange over it (a TLS handshake first on SSL/HTTPS). */
  private void assertServedViaProxy(String from, String header) {
    try (Socket raw = new Socket()) {
      raw.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      raw.setSoTimeout(5000);
      raw.getOutputStream().write(header.getBytes(StandardCharsets.US_ASCII));
      Socket s = protocol.equals("SSL") || protocol.equals("HTTPS")
          ? tls.getSocketFactory().createSocket(raw, "127.0.0.1", port, false) : raw;
      if (protocol.startsWith("HTTP")) {
        assertEquals(200, new RawHttp(s).send(GET).read().status());
      } else {
        assertEquals("t", new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A dual-stack proxy names IPv4 clients as IPv4-mapped IPv6 addresses: each is the IPv4 client it is, with its
   * own client_connection_limit budget (they used to share one key: one client refused all the others), and the
   * same client named either way is one client.
   */
  @Test
  void ipv4MappedClientsNamedByAProxyHaveTheirOwnBudgets() {
    start("TCP", ",\"client_connection_limit\":1,\"accept_proxy_protocol\":{\"trusted_cidrs\":[\"127.0.0.0/8\"]}");
    try (TcpClient a = viaProxy("TCP6 ::ffff:203.0.113.7 ::ffff:127.0.0.1");
        TcpClient b = viaProxy("TCP6 ::ffff:203.0.113.8 ::ffff:127.0.0.1")) {
      assertEquals("t", a.readLine());
      assertEquals("t", b.readLine(), "another IPv4 client behind the same proxy");
      try (TcpClient sameAsA = viaProxy("TCP4 203.0.113.7 127.0.0.1")) {
        assertTrue(sameAsA.closedWithNothingSent(), "203.0.113.7 named as IPv4 is the client already at its limit");
      }
      assertEquals(1, state().refused(Refusal.LIMIT));
    }
  }

  private TcpClient viaProxy(String addresses) {
    TcpClient c = TcpClient.connect("127.0.0.1", port, "127.0.0.2");
    c.write("PROXY " + addresses + " 40000 " + port + "\r\n");
    return c;
  }

  /** Connects from {@code from}, sends a ClientHello: the connection ends at once with nothing read. */
  private void assertRefusedAtAccept(String from) {
    assertRefusedAtAccept(from, TlsClients.clientHello(port));
  }

  /** Connects from {@code from}, sends {@code first}: the connection ends at once with nothing read. */
  private void assertRefusedAtAccept(String from, byte[] first) {
    long start = System.nanoTime();
    int read;
    try (Socket client = new Socket()) {
      client.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      try {
        client.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        client.setSoTimeout(REFUSED_WITHIN_MILLIS);
        client.getOutputStream().write(first);
        read = client.getInputStream().read();
      } catch (SocketTimeoutException held) {
        throw new AssertionError("the refused connection was held open", held);
      } catch (SocketException reset) {
        read = -1; // reset (linger 0): nothing was sent either
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertEquals(-1, read, "the refused connection was answered");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < REFUSED_WITHIN_MILLIS, "refused after " + millis + " ms");
  }

  private void assertServed(String from) {
    try (SSLSocket s = TlsClients.socket(port, from, tls)) {
      if (protocol.equals("HTTPS")) {
        try (RawHttp client = new RawHttp(s)) {
          assertEquals(200, client.send(GET).read().status());
        }
      } else {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("t", in.readLine());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The gateway has seen {@code accepted} connections and none is open any more. */
  private void awaitSettled(long accepted) {
    ListenerState state = state();
    Await.until(Duration.ofSeconds(5), () -> state.accepted() == accepted && state.active() == 0,
        () -> "accepted " + state.accepted() + ", active " + state.active() + ", refused " + state.refused(Refusal.LIMIT));
  }

  private void awaitNoneActive() {
    ListenerState state = state();
    Await.until(Duration.ofSeconds(5), () -> state.active() == 0, () -> "active: " + state.active());
  }

  private String readConfig() {
    try {
      return java.nio.file.Files.readString(gw.configFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ListenerState state() {
    return gw.gateway().runtime().view().listener("front");
  }
}
