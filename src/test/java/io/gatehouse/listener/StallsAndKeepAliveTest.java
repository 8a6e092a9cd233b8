package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.RawH2;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.SocketTimers;
import io.gatehouse.testkit.Sync;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nothing waits forever once a response has begun: a client that stops reading is cut after client_timeout (the
 * member connection with it), an idle upgraded tunnel after keepalive_timeout; and SO_KEEPALIVE is on for the
 * gateway's client and member sockets, so that a peer gone without a word is found.
 */
class StallsAndKeepAliveTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTP", "HTTP");
  static Member a;
  GatewayHarness gw;

  @BeforeAll
  static void startMembers() {
    a = gateway.backends().http("a");
  }

  int active(Member m) {
    return gw.gateway().runtime().view().pool("p").member("127.0.0.1:" + m.port()).active();
  }

  @Test
  void aClientThatStopsReadingIsCutAfterClientTimeoutAndSoIsTheMemberConnection() throws Exception {
    CompletableFuture<Long> memberSawClose = new CompletableFuture<>();
    AtomicLong sent = new AtomicLong();
    long size = 64_000_000;
    Member big = gateway.backends().http("big", false, req -> {
      req.connection().closeHandler(v -> memberSawClose.complete(System.nanoTime()));
      HttpServerResponse resp = req.response().putHeader("Content-Length", String.valueOf(size));
      Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (!resp.writeQueueFull() && sent.get() < size) {
          resp.write(chunk);
          sent.addAndGet(chunk.length());
        }
        if (sent.get() < size) {
          resp.drainHandler(v -> pump[0].run());
        }
      };
      pump[0].run();
    });
    gw = gateway.start(",\"client_timeout\":1", "", members(big));
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(16 * 1024);
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port()));
      long t0 = System.nanoTime();
      s.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      long closedAt = memberSawClose.orTimeout(10, TimeUnit.SECONDS).join();
      long ms = (closedAt - t0) / 1_000_000;
      assertTrue(ms >= 900 && ms < 6000, "member connection closed after " + ms + " ms");
      assertTrue(sent.get() < size, "the download was not finished: " + sent.get());
      String line = gw.awaitAccessLog("path=/big");
      assertTrue(line.contains("status=200") && line.contains("end=client_timeout"), line);
      Await.until(Duration.ofSeconds(5), () -> active(big) == 0, "the member is not counted busy any more");
      // aborted, not closed gracefully: a socket left to flush to a client that reads nothing would stay
      assertGone(gateway.port(), s.getLocalPort());
      assertTrue(endsWithin(s, Duration.ofSeconds(5)), "the client connection is closed after what was buffered");
    }
  }

  @Test
  void anHttp2StreamWhoseClientGrantsNoWindowIsResetAfterClientTimeout() throws Exception {
    gw = gateway.start(",\"client_timeout\":1,\"http2_enable\":true", "", members(a));
    try (RawH2 h2 = RawH2.h2c(gateway.port())) {
      long t0 = System.nanoTime();
      h2.get(1, "/download/10000000").flush(); // no WINDOW_UPDATE ever: 64 KB in, the stream stalls
      RawH2.Frame f;
      do {
        f = h2.read();
      } while (f != null && !(f.type() == RawH2.RST_STREAM && f.stream() == 1));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(f != null, "the stream is reset first");
      assertEquals(0x8, f.errorCode(), "CANCEL, not NO_ERROR: the response was cut");
      assertTrue(ms >= 900 && ms < 6000, "reset after " + ms + " ms");
      String line = gw.awaitAccessLog("path=/download/10000000");
      assertTrue(line.contains("status=200") && line.contains("end=client_timeout"), line);
      Await.until(Duration.ofSeconds(5), () -> active(a) == 0, "the member is released");
      // no connection-level window left: no stream of it could move, so the connection is aborted too
      assertGone(gateway.port(), h2.localPort());
    }
  }

  @Test
  void anHttp2ConnectionWhoseSocketTakesNothingIsAbortedAfterClientTimeout() throws Exception {
    gw = gateway.start(",\"client_timeout\":1,\"http2_enable\":true", "", members(a));
    try (RawH2 h2 = RawH2.h2c(gateway.port())) {
      // windows wide open (stream and connection), then the client reads nothing more: the socket fills up
      h2.frame(RawH2.SETTINGS, 0, 0, new byte[] {0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff})
          .frame(RawH2.WINDOW_UPDATE, 0, 0, new byte[] {0x7f, (byte) 0xff, 0, 0})
          .get(1, "/download/64000000").flush();
      String line = gw.awaitAccessLog("path=/download/64000000");
      assertTrue(line.contains("status=200") && line.contains("end=client_timeout"), line);
      assertGone(gateway.port(), h2.localPort());
      Await.until(Duration.ofSeconds(5), () -> active(a) == 0, "the member is released");
    }
  }

  /** The gateway's socket to a client port is gone from the kernel's table: aborted, nothing left to flush. */
  static void assertGone(int gatewayPort, int clientPort) {
    Await.until(Duration.ofSeconds(5), () -> SocketTimers.any(gatewayPort, clientPort).isEmpty(),
        () -> "the gateway's socket is still there: " + SocketTimers.any(gatewayPort, clientPort));
  }

  /** A client with a receive buffer of {@code receiveBuffer} that has asked for a download of {@code size}. */
  static Socket download(int size, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(receiveBuffer);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port()));
    s.setSoTimeout(5000);
    s.getOutputStream().write(("GET /download/" + size + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes());
    return s;
  }

  /** Reads (and drops) what the gateway had sent, and says whether the connection then ended. */
  static boolean endsWithin(Socket s, Duration limit) throws IOException {
    s.setSoTimeout((int) limit.toMillis());
    InputStream in = s.getInputStream();
    byte[] buf = new byte[64 * 1024];
    long deadline = System.nanoTime() + limit.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (in.read(buf) < 0) {
          return true;
        }
      }
      return false;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Test
  void aSlowClientThatKeepsReadingIsNotCut() throws Exception {
    gw = gateway.start(",\"client_timeout\":0.5", "", members(a));
    int size = 1_500_000;
    try (Socket s = download(size, 16 * 1024)) {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16 * 1024];
      long got = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got < size && System.nanoTime() < deadline) {
        int n = in.read(buf);
        assertTrue(n > 0, "closed after " + got + " bytes");
        got += n;
        Thread.sleep(10); // the client's pace: about 1.6 MB/s, so the gateway's queue is full most of the time
      }
      assertTrue(got >= size, "received " + got);
    }
    assertTrue(gw.awaitAccessLog("path=/download/" + size).contains("end=ok"));
  }

  @Test
  void aReaderTakingAKilobyteEvery200MsIsNotCutThoughItsQueueStaysFull() throws Exception {
    // the progress seen below the gateway's queue is the kernel's (tcp_info), which NIO does not show
    Assumptions.assumeFalse(Boolean.getBoolean("gatehouse.transport.nio"), "epoll only");
    gw = gateway.start(",\"client_timeout\":1", "", members(a));
    int size = 6_000_000; // more than the kernel's buffers take at first: the gateway's queue fills
    try (Socket s = download(size, 1)) { // the smallest window: it reopens after every kilobyte or two
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      long got = 0;
      // four client_timeouts at 5 KB/s: each stretch without a flip of writability is longer than the timeout
      for (long end = System.nanoTime() + Duration.ofSeconds(4).toNanos(); System.nanoTime() < end; ) {
        int n = in.read(buf, 0, 1024);
        assertTrue(n > 0, "closed after " + got + " bytes");
        got += n;
        Thread.sleep(200); // the client's pace, not a synchronisation
      }
      for (int n; got < size && (n = in.read(buf)) > 0; ) {
        got += n;
      }
      assertTrue(got >= size, "received " + got);
    }
    String line = gw.awaitAccessLog("path=/download/" + size);
    assertTrue(line.contains("end=ok"), line);
  }

  @Test
  void anIdleUpgradedTunnelIsClosedAfterKeepaliveTimeoutAndAnActiveOneIsNot() throws Exception {
    gw = gateway.start(",\"keepalive_timeout\":0.5", "", members(a));
    WebSocketClient ws = gateway.backends().vertx().createWebSocketClient();
    WebSocketConnectOptions to = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
        .setURI("/ws");
    try {
      WebSocket active = Sync.await(ws.connect(to));
      CompletableFuture<Void> activeClosed = new CompletableFuture<>();
      active.closeHandler(v -> activeClosed.complete(null));
      AtomicInteger echoed = new AtomicInteger();
      active.textMessageHandler(t -> echoed.incrementAndGet());
      long t0 = System.nanoTime(); // before the connect: the gateway's idle clock starts before the client sees 101
      WebSocket idle = Sync.await(ws.connect(to));
      CompletableFuture<Long> idleClosed = new CompletableFuture<>();
      idle.closeHandler(v -> idleClosed.complete((System.nanoTime() - t0) / 1_000_000));
      // three times the timeout in all, a message every 150 ms
      for (int i = 0; i < 10; i++) {
        Sync.await(active.writeTextMessage("tick " + i));
        Thread.sleep(150);
      }
      long ms = idleClosed.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();
      assertTrue(ms >= 400 && ms < 3000, "idle tunnel closed after " + ms + " ms");
      assertTrue(gw.awaitAccessLog("status=101").contains("end=idle_timeout"));
      assertFalse(activeClosed.isDone(), "the active tunnel is still open");
      Await.until(Duration.ofSeconds(5), () -> echoed.get() == 10, () -> "echoed " + echoed.get());
      Await.until(Duration.ofSeconds(5), () -> active(a) == 1, "only the active tunnel holds the member");
      activeClosed.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join(); // once idle, it goes too
      Await.until(Duration.ofSeconds(5), () -> active(a) == 0, "member released");
    } finally {
      Sync.await(ws.close());
    }
  }

  @Test
  void aClientResettingItsTunnelIsRoutineNotAnError() throws Exception {
    gw = gateway.start("", "", members(a));
    try (LogCapture log = LogCapture.start()) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
        s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes());
        s.setSoTimeout(5000);
        byte[] head = new byte[12];
        new java.io.DataInputStream(s.getInputStream()).readFully(head);
        assertEquals("HTTP/1.1 101", new String(head), "upgraded");
        s.setSoLinger(true, 0); // the close below is a reset
      }
      assertTrue(gw.awaitAccessLog("status=101").contains("end=tunnel_closed"));
      Await.until(Duration.ofSeconds(5), () -> active(a) == 0, "member released");
      assertEquals(List.of(), log.lines().stream().filter(l -> l.startsWith("SEVERE")).toList(), log.text());
    }
  }

  @Test
  void clientAndMemberSocketsOfHttpListenersHaveKeepAliveOn() {
    gw = gateway.start("", "", members(a));
    try (RawHttp raw = new RawHttp(gateway.port())) {
      assertEquals(200, raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      assertKeepAlive(SocketTimers.established(gateway.port(), 0), "client side");
      // the pooled member connection, idle now: the gateway's end of it
      List<SocketTimers.Socket> toMember = SocketTimers.established(0, a.port()).stream()
          .filter(s -> s.localPort() != a.port()).toList();
      assertKeepAlive(toMember, "member side");
    }
  }

  static void assertKeepAlive(List<SocketTimers.Socket> sockets, String what) {
    assertFalse(sockets.isEmpty(), "no " + what + " socket found");
    assertTrue(sockets.stream().allMatch(SocketTimers.Socket::keepAlive), what + ": " + sockets);
  }
}
