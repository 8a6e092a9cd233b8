package io.gatehouse.listener;

import static org.junit.jupiter.api.Assertions.assertNull;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.handler.codec.http2.Http2Headers;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.Pool;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.Concurrently;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawH2;
import io.gatehouse.testkit.RawHttp;
import io.netty.channel.ChannelOption;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HTTP members that misbehave: come and go under load, reset mid-body. No client hangs, no count is left behind. */
class HttpFaultsTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTP", "HTTP");
  GatewayHarness gw;

  void assertNothingLeft() {
    Pool pool = gw.gateway().runtime().view().pool("p");
    ListenerState listener = gw.gateway().runtime().view().listener("web");
    Await.until(Duration.ofSeconds(5), () -> listener.active() == 0
        && pool.members().stream().allMatch(m -> m.active() == 0), () -> "active counts left: listener "
        + listener.active() + ", members " + pool.members().stream().map(m -> m.id() + "=" + m.active()).toList());
  }

  @ParameterizedTest(name = "steady members: {0}")
  @ValueSource(ints = {2, 0})
  void aMemberComingAndGoingUnderLoadHangsNoClientAndLeavesNoActiveCount(int steadyMembers) throws Exception {
    Member flapping = gateway.backends().http("flapping");
    Member[] pool = steadyMembers == 0 ? new Member[] {flapping}
        : new Member[] {gateway.backends().http("a"), gateway.backends().http("b"), flapping};
    // passive ejection would keep the flapping member out for 30 s after a few refusals: off, so that it keeps
    // coming back into rotation while requests are on its connections
    gw = gateway.start("", ",\"outlier_detection\":{\"enabled\":false}", members(pool));
    int port = gateway.port();
    AtomicBoolean running = new AtomicBoolean(true);
    CompletableFuture<Integer> flapper = CompletableFuture.supplyAsync(() -> {
      int flaps = 0;
      while (running.get()) {
        pace(300);
        flapping.stop();
        pace(300);
        flapping.start();
        flaps++;
      }
      return flaps;
    });
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    // two clients on keep-alive connections, two on a new connection per request
    Concurrently.run(4, t -> {
      boolean keepAlive = t % 2 == 0;
      RawHttp conn = null;
      try {
        for (int i = 0; i < 2000 && System.nanoTime() < deadline; i++) { // bounded: refusals are quick
          if (conn == null) {
            conn = new RawHttp(port);
          }
          String outcome;
          try {
            RawHttp.Response r = conn.send("GET / HTTP/1.1\r\nHost: x\r\n"
                + (keepAlive ? "" : "Connection: close\r\n") + "\r\n").read();
            outcome = String.valueOf(r.status());
            if (!keepAlive || "close".equalsIgnoreCase(r.header("Connection"))) {
              conn.close();
              conn = null;
            }
          } catch (UncheckedIOException e) {
            // a read timeout (10 s) is a hang; anything else, the gateway closed or reset the connection
            outcome = e.getCause() instanceof SocketTimeoutException ? "hang" : "closed";
            conn.close();
            conn = null;
          }
          outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
        }
      } catch (RuntimeException | AssertionError e) {
        outcomes.computeIfAbsent("error " + e, k -> new AtomicInteger()).incrementAndGet();
      } finally {
        if (conn != null) {
          conn.close();
        }
      }
    });
    running.set(false);
    int flaps = flapper.get(10, TimeUnit.SECONDS);
    Map<String, AtomicInteger> seen = new TreeMap<>(outcomes);
    assertTrue(flaps >= 3, "the member came and went only " + flaps + " times");
    if (steadyMembers > 0) {
      // a request that met the flapping member going away is retried on a steady one
      assertEquals(Set.of("200"), seen.keySet(), "outcomes: " + seen);
    } else {
      // alone, the member's absence is the gateway's 502 (refused), or 503: an answer all the same
      assertTrue(Set.of("200", "502", "503").containsAll(seen.keySet()), "outcomes: " + seen);
    }
    // some traffic got through (how much depends on the machine's speed: not a measure here)
    assertTrue(seen.getOrDefault("200", new AtomicInteger()).get() > 20, "outcomes: " + seen);
    assertTrue(flapping.hits.get() > 0, "the flapping member never served between its stops");
    io.gatehouse.pool.Member gone = gw.gateway().runtime().view().pool("p").member("127.0.0.1:" + flapping.port());
    assertTrue(gone.failures() > 0, "no request met the flapping member away: nothing was tried");
    assertNothingLeft();
  }

  /** The flapping pace: not a synchronisation. */
  private static void pace(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aMemberResetMidBodyClosesTheClientConnectionAndTheNextClientIsServed() {
    // a member speaking HTTP/1.1 by hand: /cut gets a head and 1,000 of its 100,000 bytes, then a reset; any
    // other request a whole answer, on a keep-alive connection
    Member cutter = gateway.backends().tcp("cutter", so -> {
      StringBuilder got = new StringBuilder();
      so.handler(bytes -> {
        got.append(bytes.toString(StandardCharsets.ISO_8859_1));
        for (int end; (end = got.indexOf("\r\n\r\n")) >= 0; ) {
          String head = got.substring(0, end);
          got.delete(0, end + 4);
          if (!head.startsWith("GET /cut ")) {
            so.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            continue;
          }
          so.write(Buffer.buffer("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n").appendBytes(new byte[1000]))
              .onComplete(v -> {
                // SO_LINGER 0: the close sends a reset instead of a FIN
                ((NetSocketInternal) so).channelHandlerContext().channel().config()
                    .setOption(ChannelOption.SO_LINGER, 0);
                so.close();
              });
          return;
        }
      });
    });
    gw = gateway.start("", "", members(cutter));
    int port = gateway.port();
    try (RawHttp client = new RawHttp(port)) {
      long t0 = System.nanoTime();
      client.send("GET /cut HTTP/1.1\r\nHost: x\r\n\r\n");
      String got;
      try {
        got = client.readUntilClosed();
      } catch (UncheckedIOException e) {
        assertTrue(!(e.getCause() instanceof SocketTimeoutException), "the client was left hanging");
        got = null; // reset: ended, promptly
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 5000, "ended after " + ms + " ms");
      if (got != null) {
        assertTrue(got.startsWith("HTTP/1.1 200"), got);
        assertTrue(got.length() < got.indexOf("\r\n\r\n") + 4 + 100_000, "a cut body passed for a whole one");
      }
    }
    try (RawHttp next = new RawHttp(port)) {
      RawHttp.Response r = next.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(200, r.status());
      assertEquals("ok", r.body());
    }
    assertNothingLeft();
    assertTrue(gw.awaitAccessLog("path=/cut").contains("end=member_reset_in_body"));
  }
  /**
   * Response fields an HTTP/1.1 client takes but an HTTP/2 client may not (Netty refuses to encode a control
   * character): whatever the gateway does with them, each client gets an answer, at once.
   */
  @Test
  void aMemberFieldAnHttp2ClientCannotTakeHangsNoClient() throws IOException {
    Member odd = answering("HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\nX-B: c\u007fd\r\nContent-Length: 2\r\n\r\nok");
    gw = gateway.start(",\"http2_enable\":true", "", members(odd));
    try (RawH2 h2 = RawH2.h2c(gateway.port())) {
      Map<Integer, RawH2.Outcome> got = h2.get(1, "/a").get(3, "/b").flush().outcomes(List.of(1, 3));
      assertEquals(Set.of(1, 3), got.keySet(), "streams left unanswered: " + got);
    }
    try (RawHttp client = new RawHttp(gateway.port())) {
      assertTrue(Set.of(200, 502).contains(client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status()));
    }
    assertNothingLeft();
  }

  /**
   * A member's trailer that an HTTP/2 client cannot be sent (a control character) is left out; the response ends
   * with the rest of its trailers instead of hanging after its head.
   */
  @Test
  void aMemberTrailerAnHttp2ClientCannotTakeIsLeftOut() throws IOException {
    Member odd = answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n"
        + "0\r\nX-Bad: a\u0001b\r\nX-Good: yes\r\n\r\n");
    gw = gateway.start(",\"http2_enable\":true", "", members(odd));
    try (RawH2 h2 = RawH2.h2c(gateway.port())) {
      List<Http2Headers> blocks = h2.get(1, "/a", "te", "trailers").flush().headersUntilEnd(1);
      assertNotNull(blocks, "the stream never ended");
      assertEquals("200", blocks.get(0).status().toString());
      Http2Headers last = blocks.get(blocks.size() - 1);
      assertNull(last.get("x-bad"));
    }
    assertNothingLeft();
  }

  /**
   * A member whose bytes stop being HTTP is told apart from one that resets: a broken chunk size mid-body ends the
   * client's response unfinished ({@code end=member_invalid_in_body}), a broken status line is a 502
   * ({@code end=member_invalid_response}); neither hangs the client.
   */
  @Test
  void aMemberThatSendsGarbageIsLoggedAsInvalidNotAsReset() throws IOException {
    Member broken = gateway.backends().tcp("broken", so -> {
      StringBuilder got = new StringBuilder();
      so.handler(bytes -> {
        got.append(bytes.toString(StandardCharsets.ISO_8859_1));
        for (int end; (end = got.indexOf("\r\n\r\n")) >= 0; ) {
          boolean body = got.indexOf("GET /body ") == 0;
          got.delete(0, end + 4);
          so.write(body ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nzz\r\n"
              : "HTTP/1.1 2x0 Fine\r\nContent-Length: 2\r\n\r\nok");
        }
      });
    });
    gw = gateway.start("", "", members(broken));
    try (RawHttp client = new RawHttp(gateway.port())) {
      client.send("GET /body HTTP/1.1\r\nHost: x\r\n\r\n");
      String got = client.readUntilClosed();
      assertTrue(got.startsWith("HTTP/1.1 200"), got);
      assertTrue(!got.contains("\r\n0\r\n\r\n"), "a broken body passed for a whole one: " + got);
    }
    try (RawHttp client = new RawHttp(gateway.port())) {
      assertEquals(502, client.send("GET /head HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    assertTrue(gw.awaitAccessLog("path=/body").contains("end=member_invalid_in_body"));
    assertTrue(gw.awaitAccessLog("path=/head").contains("end=member_invalid_response"));
    assertNothingLeft();
  }

  /** A raw member that answers every request head it reads (bodiless requests) with {@code response}, as is. */
  private Member answering(String response) {
    return gateway.backends().tcp("odd", so -> {
      StringBuilder got = new StringBuilder();
      so.handler(bytes -> {
        got.append(bytes.toString(StandardCharsets.ISO_8859_1));
        for (int end; (end = got.indexOf("\r\n\r\n")) >= 0; ) {
          got.delete(0, end + 4);
          so.write(response);
        }
      });
    });
  }
}
