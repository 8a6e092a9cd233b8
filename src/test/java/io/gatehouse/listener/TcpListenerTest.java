package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static io.gatehouse.testkit.Configs.weighted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.SocketTimers;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The TCP listener end to end: real client sockets, the gateway, real member sockets, all on loopback. */
class TcpListenerTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("tcp", "TCP", "TCP");
  static Member a;
  static Member b;
  static Member c;
  GatewayHarness gw;
  int port;

  @BeforeAll
  static void startMembers() {
    a = gateway.backends().tcpEcho("a");
    b = gateway.backends().tcpEcho("b");
    c = gateway.backends().tcpEcho("c");
  }

  /** Starts a gateway with one TCP listener in front of one pool; {@code listener} and {@code pool} add fields. */
  void start(String listenerExtra, String poolExtra, String membersJson) {
    gw = gateway.start(listenerExtra, poolExtra, membersJson);
    port = gateway.port();
  }

  static String memberOf(int port) {
    try (TcpClient client = TcpClient.connect(port)) {
      return client.readLine();
    }
  }

  static String memberOf(int port, String from) {
    try (TcpClient client = TcpClient.connect("127.0.0.1", port, from)) {
      return client.readLine();
    }
  }

  @Test
  void weightedRoundRobinSpreadsConnectionsByWeight() {
    start("", "", weighted(new Member[] {a, b, c}, 1, 2, 3));
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      seen.merge(memberOf(port), 1, Integer::sum);
    }
    // smooth weighted round robin is exact over whole cycles: 60 connections = 10 cycles of 1+2+3
    assertEquals(Map.of("a", 10, "b", 20, "c", 30), seen);
  }

  @Test
  void clientAndMemberSocketsHaveKeepAliveOn() {
    start("", "", members(a));
    try (TcpClient client = TcpClient.connect(port)) {
      assertEquals("a", client.readLine());
      StallsAndKeepAliveTest.assertKeepAlive(SocketTimers.established(port, 0), "client side");
      StallsAndKeepAliveTest.assertKeepAlive(SocketTimers.established(0, a.port()), "member side");
    }
  }

  @Test
  void largeStreamsPassIntactBothWays() throws Exception {
    start("", "", members(a));
    byte[] data = new byte[24 << 20];
    new Random(7).nextBytes(data);
    try (TcpClient client = TcpClient.connect(port)) {
      assertEquals("a", client.readLine());
      client.setReadTimeout(30_000);
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> client.write(data));
      byte[] back = client.readExactly(data.length);
      sent.get();
      assertArrayEquals(sha256(data), sha256(back));
    }
  }

  @Test
  void halfCloseIsPassedOnAndTheAnswerStillArrives() throws Exception {
    // a member that answers only once the client has finished sending (FIN), like a request-response protocol;
    // plain JDK sockets, because a Vert.x server closes at once on FIN
    try (ServerSocket member = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
        try (Socket so = member.accept()) {
          so.setSoTimeout(10_000);
          long n = so.getInputStream().readAllBytes().length;
          so.getOutputStream().write(("got " + n + "\n").getBytes());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      start("", "", "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + member.getLocalPort() + "}]");
      try (TcpClient client = TcpClient.connect(port)) {
        client.write(new byte[100_000]);
        client.shutdownOutput();
        assertEquals("got 100000", client.readLine());
        assertEquals(null, client.readLine());
      }
      served.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aMemberThatSpeaksFirstIsHeardAtOnce() throws Exception {
    // like an SMTP, MySQL or SSH server: the member greets right after accept(). Its accept() returns only
    // when the gateway's handshake ACK arrives, which a delayed-ACK member socket held back for ~200 ms.
    int connects = 5;
    try (ServerSocket member = new ServerSocket(0, connects, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < connects; i++) {
          try (Socket so = member.accept()) {
            so.getOutputStream().write("220 ready\n".getBytes());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      });
      start("", "", "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + member.getLocalPort() + "}]");
      long[] millis = new long[connects];
      for (int i = 0; i < connects; i++) {
        long t0 = System.nanoTime();
        try (TcpClient client = TcpClient.connect(port)) {
          assertEquals("220 ready", client.readLine());
          millis[i] = (System.nanoTime() - t0) / 1_000_000;
        }
      }
      served.get(10, TimeUnit.SECONDS);
      long[] sorted = millis.clone();
      Arrays.sort(sorted);
      assertTrue(sorted[connects / 2] < 100, "greeting after " + Arrays.toString(millis) + " ms");
    }
  }

  @Test
  void aClientThatStopsReadingDoesNotMakeTheGatewayBuffer() throws Exception {
    // the member writes as fast as it can; the client never reads. Backpressure must stall the member's
    // writes once the socket buffers fill, instead of the gateway queueing everything in memory.
    AtomicLong written = new AtomicLong();
    Member firehose = gateway.backends().tcp("firehose", so -> {
      Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (!so.writeQueueFull()) {
          so.write(chunk);
          written.addAndGet(chunk.length());
        }
        so.drainHandler(v -> pump[0].run());
      };
      pump[0].run();
    });
    start("", "", members(firehose));
    try (TcpClient client = TcpClient.connect(port)) {
      long[] last = {-1};
      long[] stableSince = {System.nanoTime()};
      Await.until(Duration.ofSeconds(20), () -> {
        long now = written.get();
        if (now != last[0]) {
          last[0] = now;
          stableSince[0] = System.nanoTime();
          return false;
        }
        return System.nanoTime() - stableSince[0] > Duration.ofMillis(700).toNanos();
      }, () -> "the member kept writing: " + written.get() + " bytes");
      // kernel socket buffers on loopback hold a few MB; without backpressure this would grow without end
      assertTrue(written.get() < 64L << 20, "stalled only after " + written.get() + " bytes");
      assertTrue(written.get() > 0);
    } finally {
      firehose.stop();
    }
  }

  @Test
  void anIdleClientIsClosedAfterClientTimeout() {
    start(",\"client_timeout\":0.5,\"member_timeout\":30", "", members(a));
    try (TcpClient client = TcpClient.connect(port)) {
      client.setReadTimeout(5000);
      assertEquals("a", client.readLine());
      long t0 = System.nanoTime();
      assertEquals(null, client.readLine());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 300 && ms < 4000, "closed after " + ms + " ms");
    }
  }

  @Test
  void aRefusingMemberIsReplacedByAnotherBeforeTheClientNotices() {
    int dead = TestPorts.free();
    start("", "", "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + dead + "},"
        + "{\"address\":\"127.0.0.1\",\"protocol_port\":" + a.port() + "}]");
    for (int i = 0; i < 6; i++) {
      assertEquals("a", memberOf(port));
    }
  }

  @Test
  void noUsableMemberClosesTheClientAtOnce() {
    start("", "", "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + TestPorts.free() + "}]");
    try (TcpClient client = TcpClient.connect(port)) {
      assertTrue(client.closedWithNothingSent());
    }
    start2EmptyPool();
  }

  private void start2EmptyPool() {
    gw.close();
    start("", "", "[]");
    try (TcpClient client = TcpClient.connect(port)) {
      assertTrue(client.closedWithNothingSent());
    }
  }

  @Test
  void connectionLimitRefusesTheConnectionOverIt() {
    start(",\"connection_limit\":2", "", members(a));
    try (TcpClient one = TcpClient.connect(port); TcpClient two = TcpClient.connect(port)) {
      assertEquals("a", one.readLine());
      assertEquals("a", two.readLine());
      try (TcpClient three = TcpClient.connect(port)) {
        assertTrue(three.closedWithNothingSent());
      }
      one.close();
      // the slot comes back once the first tunnel has ended
      Await.until(Duration.ofSeconds(5), () -> "a".equals(tryMemberOf(port)), "no slot after a close");
    }
  }

  private static String tryMemberOf(int port) {
    try (TcpClient client = TcpClient.connect(port)) {
      client.setReadTimeout(1000);
      return client.readLine();
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Test
  void clientConnectionLimitBoundsEachClientAddressAlone() {
    start(",\"client_connection_limit\":1", "", members(a));
    try (TcpClient first = TcpClient.connect("127.0.0.1", port, "127.0.0.2")) {
      assertEquals("a", first.readLine());
      try (TcpClient second = TcpClient.connect("127.0.0.1", port, "127.0.0.2")) {
        assertTrue(second.closedWithNothingSent());
      }
      assertEquals("a", memberOf(port, "127.0.0.3"), "another client was refused");
    }
    Await.until(Duration.ofSeconds(5), () -> "a".equals(tryMemberOf(port, "127.0.0.2")), "no slot after a close");
  }

  private static String tryMemberOf(int port, String from) {
    try (TcpClient client = TcpClient.connect("127.0.0.1", port, from)) {
      client.setReadTimeout(1000);
      return client.readLine();
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Test
  void whiteListAdmitsOnlyListedAddresses() {
    start(",\"ip_group\":{\"type\":\"white\",\"cidrs\":[\"127.0.0.2/32\",\"10.0.0.0/8\"]}", "", members(a));
    assertEquals("a", memberOf(port, "127.0.0.2"));
    try (TcpClient client = TcpClient.connect("127.0.0.1", port, "127.0.0.1")) {
      assertTrue(client.closedWithNothingSent());
    }
  }

  @Test
  void blackListRefusesListedAddressesIncludingIpv6() {
    start(",\"ip_group\":{\"type\":\"black\",\"cidrs\":[\"127.0.0.0/30\",\"::1/128\"]}", "", members(a));
    try (TcpClient client = TcpClient.connect("127.0.0.1", port, "127.0.0.2")) {
      assertTrue(client.closedWithNothingSent());
    }
    assertEquals("a", memberOf(port, "127.0.0.9"));
  }

  @Test
  void ipv6ClientsAreMatchedByIpv6Networks() {
    port = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"tcp6","protocol":"TCP","host":"::1","protocol_port":%d,"default_pool":"p",
                      "ip_group":{"type":"white","cidrs":["::1/128"]}}],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, members(a)));
    try (TcpClient client = TcpClient.connect("::1", port, null)) {
      assertEquals("a", client.readLine());
    }
  }

  @Test
  void proxyProtocolV2HeaderCarriesTheClientAddress() {
    AtomicReference<HAProxyMessage> header = new AtomicReference<>();
    Member parser = gateway.backends().tcp("parser", so -> {
      EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
      so.handler(buf -> {
        decoder.writeInbound(Unpooled.wrappedBuffer(buf.getBytes()));
        Object msg = decoder.readInbound();
        if (msg instanceof HAProxyMessage m) {
          header.set(m);
          so.write("parsed\n");
        }
      });
    });
    start(",\"proxy_protocol\":true", "", members(parser));
    try (TcpClient client = TcpClient.connect("127.0.0.1", port, "127.0.0.3")) {
      client.write("hello");
      assertEquals("parsed", client.readLine());
      HAProxyMessage m = header.get();
      assertEquals("127.0.0.3", m.sourceAddress());
      assertEquals(client.socket().getLocalPort(), m.sourcePort());
      assertEquals("127.0.0.1", m.destinationAddress());
      assertEquals(port, m.destinationPort());
      m.release();
    } finally {
      parser.stop();
    }
  }

  @Test
  void aProxyHeaderFromATrustedPeerNamesTheClientAndOthersAreRefused() {
    start(",\"accept_proxy_protocol\":{\"trusted_cidrs\":[\"127.0.0.2/32\"]}", "", members(a));
    String header = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + port + "\r\n";
    try (TcpClient viaProxy = TcpClient.connect("127.0.0.1", port, "127.0.0.2")) {
      viaProxy.write(header);
      assertEquals("a", viaProxy.readLine());
    }
    assertTrue(gw.awaitAccessLog("client=203.0.113.7:40000").contains("member=127.0.0.1:" + a.port()));
    try (TcpClient spoofer = TcpClient.connect("127.0.0.1", port, "127.0.0.1")) {
      spoofer.write(header);
      assertTrue(spoofer.closedWithNothingSent());
    }
  }

  @Test
  void sourceIpPersistenceKeepsEachClientOnItsMember() {
    start("", ",\"session_persistence\":{\"type\":\"SOURCE_IP\"}", members(a, b, c));
    Map<String, String> first = new HashMap<>();
    for (int i = 1; i <= 6; i++) {
      first.put("127.0.0." + i, memberOf(port, "127.0.0." + i));
    }
    assertTrue(first.values().stream().distinct().count() > 1, "every client on one member: " + first);
    for (int round = 0; round < 3; round++) {
      for (int i = 1; i <= 6; i++) {
        assertEquals(first.get("127.0.0." + i), memberOf(port, "127.0.0." + i));
      }
    }
  }

  @Test
  void sourceIpHashingSendsEachClientAddressToOneMemberAndSpreadsAddresses() {
    start("", ",\"lb_algorithm\":\"SOURCE_IP\"", members(a, b, c));
    Map<String, Integer> perMember = new HashMap<>();
    for (int i = 1; i <= 30; i++) {
      String from = "127.0.1." + i;
      String member = memberOf(port, from);
      assertEquals(member, memberOf(port, from), "client " + from + " moved");
      perMember.merge(member, 1, Integer::sum);
    }
    assertEquals(3, perMember.size(), "30 addresses on fewer than 3 members: " + perMember);
  }

  @Test
  void aStickyClientWhoseMemberDiesMovesAndStaysOnTheNewOne() {
    Member x = gateway.backends().tcpEcho("x");
    Member y = gateway.backends().tcpEcho("y");
    start("", ",\"session_persistence\":{\"type\":\"SOURCE_IP\"}", members(x, y));
    String firstMember = memberOf(port, "127.0.0.7");
    Member gone = firstMember.equals("x") ? x : y;
    String other = firstMember.equals("x") ? "y" : "x";
    gone.stop();
    refusing(gone.port()); // the member's server may take a moment to stop accepting after its close returned
    assertEquals(other, memberOf(port, "127.0.0.7"));
    assertEquals(other, memberOf(port, "127.0.0.7"));
    (gone == x ? y : x).stop();
  }

  /** Waits until nothing accepts on {@code port} any more. */
  static void refusing(int port) {
    io.gatehouse.testkit.Await.until(java.time.Duration.ofSeconds(5), () -> {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return false;
      } catch (java.io.IOException refused) {
        return true;
      }
    }, "port " + port + " still accepts");
  }

  @Test
  void weightZeroAndAdminDownTakeNoNewConnections() {
    start("", "", "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + a.port() + ",\"weight\":0},"
        + "{\"address\":\"127.0.0.1\",\"protocol_port\":" + b.port() + ",\"admin_state_up\":false},"
        + "{\"address\":\"127.0.0.1\",\"protocol_port\":" + c.port() + "}]");
    for (int i = 0; i < 6; i++) {
      assertEquals("c", memberOf(port));
    }
  }

  @Test
  void leastConnectionsSendsNewClientsToTheLeastBusyMember() {
    start("", ",\"lb_algorithm\":\"LEAST_CONNECTIONS\"", members(a, b));
    try (TcpClient first = TcpClient.connect(port); TcpClient second = TcpClient.connect(port)) {
      String one = first.readLine();
      String two = second.readLine();
      assertFalse(one.equals(two), "the second went to the busy member");
      // once `one` has no connection left, the next client goes to it, not to `two` which still has one
      first.close();
      String oneId = "127.0.0.1:" + (one.equals("a") ? a : b).port();
      Await.until(Duration.ofSeconds(5),
          () -> gw.gateway().runtime().view().pool("p").member(oneId).active() == 0, "tunnel not ended");
      try (TcpClient third = TcpClient.connect(port)) {
        assertEquals(one, third.readLine());
      }
    }
  }

  @Test
  void accessLogHasOneLinePerConnection() {
    start("", "", members(a));
    String from;
    try (TcpClient client = TcpClient.connect(port)) {
      assertEquals("a", client.readLine());
      client.write("12345");
      assertEquals("12345", new String(client.readExactly(5)));
      from = "127.0.0.1:" + client.socket().getLocalPort();
    }
    String line = gw.awaitAccessLog(from);
    assertTrue(line.contains(" tcp TCP client=" + from + " member=127.0.0.1:" + a.port() + " in=5 out=7 "), line);
    assertTrue(line.matches(".* duration_ms=\\d+ end=closed( .*)?"), line); // later keys appended
  }

  static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }
}
