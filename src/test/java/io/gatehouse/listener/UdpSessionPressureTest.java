package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.UdpClient;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.deployment.DeploymentContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The UDP listener's state under pressure: a table full of sessions, datagrams waiting for a session to open. */
class UdpSessionPressureTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("udp", "UDP", "UDP");
  static Member echo;

  @BeforeAll
  static void startMembers() {
    echo = gateway.backends().udpEcho("echo");
  }

  @Test
  void sessionsNeverTakeMoreThanAQuarterOfTheDescriptorLimit() {
    assertEquals(512, UdpListener.sessionBound(2048));
    assertEquals(10_000, UdpListener.sessionBound(1_048_576));
    assertEquals(16, UdpListener.sessionBound(20));
  }

  @Test
  void sessionsWhoseMemberNeverAnsweredMakeRoomForNewClientsWhileAnsweredOnesAreKept() throws Exception {
    int limit = 20;
    int established = 5;
    int flood = 3 * limit;
    List<UdpClient> clients = new ArrayList<>();
    List<DatagramSocket> spoofed = new ArrayList<>();
    try (PickyMember member = new PickyMember()) {
      GatewayHarness gw = gateway.start(",\"connection_limit\":" + limit + ",\"keepalive_timeout\":60", "",
          "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + member.port() + "}]");
      int port = gateway.port();
      ListenerState state = gw.gateway().runtime().view().listener("udp");
      Udp udp = Udp.of(gw);
      for (int i = 0; i < established; i++) {
        clients.add(new UdpClient(port));
        assertEquals("est" + i + "-0", clients.get(i).ask("est" + i + "-0"));
      }

      // sources the member never answers (spoofed ones), three times the sessions left; each one opens a session
      floodFrom(spoofed, flood, port);
      Await.until(Duration.ofSeconds(10), () -> member.ignored.get() + state.refused(Refusal.LIMIT) >= flood,
          () -> "flood not taken in: " + member.ignored.get() + " forwarded, " + state.refused(Refusal.LIMIT)
              + " refused");

      // a real client is served at once, not after keepalive_timeout
      UdpClient real = new UdpClient(port);
      clients.add(real);
      assertEquals("real-0", real.ask("real-0"), "a new client was locked out by sessions never answered");
      assertEquals(0, state.refused(Refusal.LIMIT), "a client was refused while unanswered sessions were open");
      assertEquals(limit, state.active());
      assertEquals(limit, (int) udp.onLoop(udp.listener::sessions));
      // the oldest went first: the newest of the flood hold the sessions left
      int kept = limit - established - 1;
      for (int i = 0; i < flood; i++) {
        InetSocketAddress source = (InetSocketAddress) spoofed.get(i).getLocalSocketAddress();
        boolean open = udp.onLoop(() -> udp.listener.session(source) != null);
        assertEquals(i >= flood - kept, open, "session of flood source " + i);
      }
      gw.awaitAccessLog("end=evicted");

      // a second wave ends unanswered sessions only: every answered one keeps its session (its member-side port)
      floodFrom(spoofed, flood, port);
      Await.until(Duration.ofSeconds(10), () -> member.ignored.get() >= 2 * flood,
          () -> "second flood not taken in: " + member.ignored.get());
      assertEquals("real-1", real.ask("real-1"));
      for (int i = 0; i < established; i++) {
        assertEquals("est" + i + "-1", clients.get(i).ask("est" + i + "-1"), "established session " + i);
      }
      for (String client : member.memberSidePorts.keySet()) {
        assertEquals(1, member.memberSidePorts.get(client).size(), client + " got a new session");
      }
      assertEquals(established + 1, member.memberSidePorts.size());
      assertEquals(0, state.refused(Refusal.LIMIT));
      // an ended session gave its slot back: the count is the table's, and zero once all are closed
      assertEquals(limit, state.active());
      assertEquals(limit, (int) udp.onLoop(udp.listener::sessions));
      gateway.takeOver().close();
      assertEquals(0, state.active());
    } finally {
      clients.forEach(UdpClient::close);
      spoofed.forEach(DatagramSocket::close);
    }
  }

  @Test
  void aDatagramWaitingForItsSessionToOpenHoldsItsOwnSizeNotTheReadBuffer() throws Exception {
    GatewayHarness gw = gateway.start("", "", members(echo));
    Udp udp = Udp.of(gw);
    int count = 20;
    int size = 100;
    // the member-side socket's set-up held back, as if it took a while: the client's datagrams queue meanwhile
    List<Runnable> heldSetUps = new ArrayList<>();
    udp.onLoop(() -> {
      udp.listener.memberSocketSetUp = heldSetUps::add;
      return null;
    });
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(3000);
      InetSocketAddress source = (InetSocketAddress) client.getLocalSocketAddress();
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", gateway.port());
      for (int i = 0; i < count; i++) {
        byte[] datagram = new byte[size];
        Arrays.fill(datagram, (byte) i);
        client.send(new DatagramPacket(datagram, size, to));
      }
      Await.until(Duration.ofSeconds(5), () -> udp.onLoop(() -> {
        UdpSession s = udp.listener.session(source);
        return s != null && s.queued().size() == count;
      }), "datagrams not queued");
      // what the queue keeps from the allocator: each buffer's, or the buffer a slice is of (epoll reads slices)
      long held = udp.onLoop(() -> udp.listener.session(source).queued().stream()
          .mapToLong(UdpSessionPressureTest::allocatedUnder).sum());
      assertTrue(held <= 2L * count * size, count + " datagrams of " + size + " bytes hold " + held + " bytes");

      udp.onLoop(() -> {
        udp.listener.memberSocketSetUp = Runnable::run;
        heldSetUps.forEach(Runnable::run);
        return null;
      });
      // each comes back intact, once
      Set<Integer> back = new HashSet<>();
      byte[] buf = new byte[65_536];
      for (int i = 0; i < count; i++) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        client.receive(p);
        assertEquals(size, p.getLength());
        byte first = buf[0];
        for (int j = 0; j < size; j++) {
          assertEquals(first, buf[j]);
        }
        assertTrue(back.add((int) first), "datagram " + first + " twice");
      }
      assertEquals(count, back.size());
    }
  }

  /** The capacity of the buffer a buffer is, or is a slice of (through the leak detector's wrapper). */
  static long allocatedUnder(ByteBuf b) {
    ByteBuf root = b;
    while (root.unwrap() != null) {
      root = root.unwrap();
    }
    return root.capacity();
  }

  /** Sends {@code spoof} once from each of {@code n} new sources on 127.0.0.2 to 127.0.0.11. */
  static void floodFrom(List<DatagramSocket> sockets, int n, int port) throws IOException {
    InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
    byte[] spoof = "spoof".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < n; i++) {
      InetAddress from = InetAddress.getByName("127.0.0." + (2 + i % 10));
      DatagramSocket s = new DatagramSocket(new InetSocketAddress(from, 0));
      sockets.add(s);
      s.send(new DatagramPacket(spoof, spoof.length, to));
    }
  }

  /** The gateway's UDP listener instance and its event loop. */
  record Udp(UdpListener listener, Context loop) {

    static Udp of(GatewayHarness gw) {
      for (DeploymentContext d : ((VertxInternal) gw.gateway().runtime().datagramVertx()).deploymentManager()
          .deployments()) {
        for (Deployable instance : d.deployment().instances()) {
          if (instance instanceof UdpListener udp) {
            return new Udp(udp, d.deployment().contexts().iterator().next());
          }
        }
      }
      throw new AssertionError("no UDP listener deployed");
    }

    /** Runs {@code task} on the listener's event loop, which owns its state, and returns its result. */
    <T> T onLoop(Callable<T> task) {
      CompletableFuture<T> result = new CompletableFuture<>();
      loop.runOnContext(v -> {
        try {
          result.complete(task.call());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
      try {
        return result.get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("on the event loop: " + e, e);
      }
    }
  }

  /**
   * A UDP member that ignores datagrams starting with {@code spoof} and echoes the others, noting for each client
   * (the text before a payload's last {@code -}) the member-side ports its datagrams came from: one per session.
   */
  static final class PickyMember implements AutoCloseable {

    final AtomicInteger ignored = new AtomicInteger();
    final Map<String, Set<Integer>> memberSidePorts = new ConcurrentHashMap<>();
    private final DatagramSocket socket;
    private final Thread thread;

    PickyMember() {
      try {
        socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        socket.setReceiveBufferSize(1 << 20);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      thread = new Thread(this::serve, "udp-picky-member");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    private void serve() {
      byte[] buf = new byte[65_536];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        while (true) {
          p.setData(buf);
          socket.receive(p);
          String text = new String(buf, 0, p.getLength(), StandardCharsets.UTF_8);
          if (text.startsWith("spoof")) {
            ignored.incrementAndGet();
            continue;
          }
          int dash = text.lastIndexOf('-');
          String client = dash < 0 ? text : text.substring(0, dash);
          memberSidePorts.computeIfAbsent(client, k -> ConcurrentHashMap.newKeySet()).add(p.getPort());
          socket.send(p);
        }
      } catch (IOException closed) {
        // stopped
      }
    }

    @Override
    public void close() throws InterruptedException {
      socket.close();
      thread.join(5000);
    }
  }
}
