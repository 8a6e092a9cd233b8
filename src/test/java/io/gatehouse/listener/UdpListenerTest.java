package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.UdpClient;
import io.gatehouse.vertx.VertxTransports;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The UDP listener end to end: sessions per client address, replies to the right client, limits and expiry. */
class UdpListenerTest {

  /** The gateway runs on the JDK's NIO transport rather than epoll ({@code -Dgatehouse.transport.nio=true}). */
  static final boolean NIO = Boolean.getBoolean("gatehouse.transport.nio");

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("udp", "UDP", "UDP");
  static Member u1;
  static Member u2;
  static Member u3;
  GatewayHarness gw;
  int port;

  @BeforeAll
  static void startMembers() {
    u1 = gateway.backends().udpEcho("u1");
    u2 = gateway.backends().udpEcho("u2");
    u3 = gateway.backends().udpEcho("u3");
  }

  void start(String listenerExtra, String membersJson) {
    gw = gateway.start(listenerExtra, "", membersJson);
    port = gateway.port();
  }

  int sessions() {
    return gw.gateway().runtime().view().listener("udp").active();
  }

  @Test
  void manyClientsEachGetTheirOwnSessionAndTheirOwnReplies() {
    start("", members(u1, u2, u3));
    List<UdpClient> clients = new ArrayList<>();
    try {
      Map<String, Integer> perMember = new HashMap<>();
      for (int i = 0; i < 30; i++) {
        UdpClient c = new UdpClient(port);
        clients.add(c);
        perMember.merge(c.ask("who?"), 1, Integer::sum);
      }
      assertEquals(Map.of("u1", 10, "u2", 10, "u3", 10), perMember);
      assertEquals(30, sessions());
      // every client sends at once; each must get back exactly its own payload
      for (int i = 0; i < clients.size(); i++) {
        clients.get(i).send("payload-" + i);
      }
      for (int i = 0; i < clients.size(); i++) {
        assertEquals("payload-" + i, new String(clients.get(i).receive(3000)));
      }
    } finally {
      clients.forEach(UdpClient::close);
    }
  }

  /**
   * Netty's io_uring datagram channel keeps ~400 KB per socket (512 message headers, a posted 64 KB receive
   * buffer), one socket per session: where the gateway runs on io_uring, UDP listeners get a Vert.x on epoll.
   */
  @Test
  void udpSessionsNeverRunOnIoUring() {
    start("", members(u1));
    Vertx udp = gw.gateway().runtime().datagramVertx();
    assertNotEquals(VertxTransports.IO_URING, VertxTransports.nativeName(udp));
    if (VertxTransports.IO_URING.equals(VertxTransports.nativeName(gw.gateway().vertx()))) {
      assertNotSame(gw.gateway().vertx(), udp);
    }
    try (UdpClient c = new UdpClient(port)) {
      String got = c.ask("hi");
      assertTrue(got != null && got.contains("hi"), got);
    }
  }

  @Test
  void theLargestAndTheSmallestDatagramPassIntact() {
    start("", members(u1));
    byte[] big = new byte[65_507];
    new Random(3).nextBytes(big);
    try (UdpClient c = new UdpClient(port)) {
      c.send(big);
      assertArrayEquals(big, c.receive(3000));
      c.send(new byte[] {42});
      assertArrayEquals(new byte[] {42}, c.receive(3000));
    }
  }

  @Test
  void anEmptyReplyReachesTheClient() {
    start("", members(u1));
    try (UdpClient c = new UdpClient(port)) {
      c.send("empty?");
      assertArrayEquals(new byte[0], c.receive(3000));
      assertEquals("u1", c.ask("who?"), "the next reply is not taken for it");
    }
  }

  @Test
  void emptyDatagramsPassBothWays() {
    assumeFalse(NIO, "on NIO the member socket, connected, cannot send an empty datagram: see UdpSession");
    start("", members(u1));
    int hits = u1.hits.get();
    try (UdpClient c = new UdpClient(port)) {
      // an empty datagram opens the session (held while its member socket connects) and comes back empty
      c.send(new byte[0]);
      assertArrayEquals(new byte[0], c.receive(3000));
      c.send(new byte[] {42});
      assertArrayEquals(new byte[] {42}, c.receive(3000));
      c.send(new byte[0]);
      assertArrayEquals(new byte[0], c.receive(3000));
      assertEquals(hits + 3, u1.hits.get(), "datagrams the member got");
    }
  }

  @Test
  void emptyDatagramsAmongOthersPassOnceEach() {
    assumeFalse(NIO, "on NIO the member socket, connected, cannot send an empty datagram: see UdpSession");
    // sent back to back, they are likely read in one burst and flushed at once: an empty one must neither be
    // lost nor make another go twice
    start("", members(u1));
    int hits = u1.hits.get();
    try (UdpClient c = new UdpClient(port)) {
      assertEquals("u1", c.ask("who?"));
      List<String> sent = List.of("", "a", "", "", "b", "");
      sent.forEach(c::send);
      List<String> back = new ArrayList<>();
      for (int i = 0; i < sent.size(); i++) {
        byte[] reply = c.receive(3000);
        back.add(reply == null ? null : new String(reply, StandardCharsets.UTF_8));
      }
      assertEquals(sorted(sent), sorted(back));
      assertNull(c.receive(300), "a datagram came back twice");
      assertEquals(hits + 1 + sent.size(), u1.hits.get(), "datagrams the member got");
    }
  }

  static List<String> sorted(List<String> l) {
    List<String> s = new ArrayList<>(l);
    s.sort(Comparator.nullsFirst(Comparator.naturalOrder()));
    return s;
  }

  @Test
  void largestDatagramsSentBackToBackAllPass() {
    // both are read in one burst and queued before one flush: neither may be taken for an overflow
    start("", members(u1));
    byte[] a = new byte[65_507];
    byte[] b = new byte[65_507];
    new Random(4).nextBytes(a);
    new Random(5).nextBytes(b);
    try (UdpClient c = new UdpClient(port)) {
      c.send(a);
      c.send(b);
      assertArrayEquals(a, c.receive(3000));
      assertArrayEquals(b, c.receive(3000));
    }
  }

  @Test
  void aSessionEndsAfterKeepaliveTimeoutWithoutTraffic() {
    start(",\"keepalive_timeout\":0.4", members(u1, u2));
    try (UdpClient c = new UdpClient(port)) {
      String first = c.ask("who?");
      assertEquals(first, c.ask("who?"), "same session, same member");
      Await.until(Duration.ofSeconds(5), () -> sessions() == 0, "session not expired");
      // a new session is a new pick: round robin moves on
      String second = c.ask("who?");
      assertEquals(first.equals("u1") ? "u2" : "u1", second);
    }
    gw.awaitAccessLog(" udp UDP client=127.0.0.1:");
  }

  @Test
  void connectionLimitBoundsSessions() {
    start(",\"connection_limit\":2,\"keepalive_timeout\":0.5", members(u1));
    try (UdpClient one = new UdpClient(port); UdpClient two = new UdpClient(port);
        UdpClient three = new UdpClient(port)) {
      assertEquals("u1", one.ask("who?"));
      assertEquals("u1", two.ask("who?"));
      three.send("who?");
      assertNull(three.receive(500), "a third session was admitted");
      Await.until(Duration.ofSeconds(5), () -> sessions() == 0, "sessions not expired");
      assertEquals("u1", three.ask("who?"));
    }
  }

  @Test
  void clientConnectionLimitBoundsTheSessionsOfEachClientAddress() {
    start(",\"client_connection_limit\":2,\"keepalive_timeout\":2", members(u1));
    ListenerState state = gw.gateway().runtime().view().listener("udp");
    try (UdpClient one = new UdpClient(port); UdpClient two = new UdpClient(port);
        UdpClient three = new UdpClient(port); UdpClient other = new UdpClient(port, "127.0.0.2")) {
      assertEquals("u1", one.ask("who?"));
      assertEquals("u1", two.ask("who?"));
      three.send("who?");
      assertNull(three.receive(500), "a third session from one address was admitted");
      assertEquals(1, state.refused(Refusal.LIMIT));
      assertEquals("u1", other.ask("who?"), "another client address was refused");
      assertEquals("u1", one.ask("who?"), "an admitted session was disturbed");
      assertEquals(3, sessions());
      Await.until(Duration.ofSeconds(6), () -> sessions() == 0, "sessions not expired");
      assertEquals("u1", three.ask("who?"), "no session once the others expired");
    }
  }

  @Test
  void aFloodOfNewSourcesPastTheLimitIsDroppedWhileTheEstablishedSessionsKeepWorking() throws Exception {
    int limit = 50;
    start(",\"connection_limit\":" + limit, members(u1, u2));
    List<UdpClient> established = new ArrayList<>();
    List<UdpClient> flood = new ArrayList<>();
    try {
      for (int i = 0; i < limit; i++) {
        established.add(new UdpClient(port));
        assertEquals("ping-" + i, established.get(i).ask("ping-" + i));
      }
      assertEquals(limit, sessions());
      for (int i = 0; i < 300; i++) {
        flood.add(new UdpClient(port)); // 300 new source ports
      }
      ListenerState state = gw.gateway().runtime().view().listener("udp");
      int hitsBefore = u1.hits.get() + u2.hits.get();
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger most = new AtomicInteger();
      CountDownLatch flooding = new CountDownLatch(1);
      // the session count as the status document reads it, sampled all along: never past the limit
      Thread watch = new Thread(() -> {
        while (!done.get()) {
          most.accumulateAndGet(sessions(), Math::max);
        }
      });
      // bounded: at most 10 datagrams per socket, which the gateway's socket buffer holds even if none were read
      Thread flooder = new Thread(() -> {
        for (int round = 0; round < 10 && (round < 1 || !done.get()); round++) {
          for (UdpClient c : flood) {
            c.send("flood");
          }
          flooding.countDown();
        }
      });
      watch.start();
      flooder.start();
      int rounds = 5;
      try {
        assertTrue(flooding.await(10, TimeUnit.SECONDS));
        for (int round = 0; round < rounds; round++) {
          for (int i = 0; i < limit; i++) {
            established.get(i).send("r" + round + "-" + i);
          }
          for (int i = 0; i < limit; i++) {
            byte[] answer = established.get(i).receive(3000);
            assertEquals("r" + round + "-" + i, answer == null ? null : new String(answer, StandardCharsets.UTF_8),
                "established session " + i + " in round " + round);
          }
        }
      } finally {
        done.set(true);
        flooder.join(10_000);
        watch.join(10_000);
      }
      assertTrue(most.get() <= limit, "sessions reached " + most.get());
      Await.until(Duration.ofSeconds(5), () -> state.refused(Refusal.LIMIT) >= flood.size(),
          () -> "refused past the limit: " + state.refused(Refusal.LIMIT));
      assertEquals(limit, sessions());
      // nothing of the flood reached a member, nor came back to its senders
      assertEquals(limit * rounds, u1.hits.get() + u2.hits.get() - hitsBefore);
      for (UdpClient c : flood.subList(0, 5)) {
        assertNull(c.receive(100));
      }
    } finally {
      established.forEach(UdpClient::close);
      flood.forEach(UdpClient::close);
    }
  }

  @Test
  void ipGroupDropsDatagramsOfUnlistedClients() {
    start(",\"ip_group\":{\"type\":\"white\",\"cidrs\":[\"127.0.0.2\"]}", members(u1));
    try (UdpClient listed = new UdpClient(port, "127.0.0.2"); UdpClient other = new UdpClient(port, "127.0.0.1")) {
      assertEquals("u1", listed.ask("who?"));
      other.send("who?");
      assertNull(other.receive(500));
    }
  }

  @Test
  void withoutUsableMemberDatagramsAreDropped() {
    start("", "[]");
    try (UdpClient c = new UdpClient(port)) {
      c.send("who?");
      assertNull(c.receive(500));
      assertEquals(0, sessions());
    }
  }
}
