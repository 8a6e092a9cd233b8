package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.pool.Pool;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.netty.channel.ChannelOption;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Members that misbehave: reset mid-stream, stall, come and go. No client hangs, no count is left behind. */
class TcpFaultsTest {

  final Backends backends = new Backends();
  GatewayHarness gw;
  int port;

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
    backends.close();
  }

  void start(String listenerExtra, String membersJson) {
    port = TestPorts.free();
    gw = GatewayHarness.start("{" + head() + """
        "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"%s}],
        "pools":[{"name":"p","protocol":"TCP","members":%s}]}
        """.formatted(port, listenerExtra, membersJson));
  }

  void assertNothingLeft() {
    Pool pool = gw.gateway().runtime().view().pool("p");
    Await.until(Duration.ofSeconds(5), () -> gw.gateway().runtime().view().listener("tcp").active() == 0
        && pool.members().stream().allMatch(m -> m.active() == 0), () -> "active counts left: listener "
        + gw.gateway().runtime().view().listener("tcp").active() + ", members "
        + pool.members().stream().map(m -> m.id() + "=" + m.active()).toList());
  }

  @Test
  void aMemberResetMidStreamClosesTheClientAndIsLogged() {
    // answers the client's first bytes with 100,000 bytes, then resets (once the tunnel certainly stands)
    Member resetter = backends.tcp("resetter", so -> so.handler(first -> {
      so.handler(null);
      so.write(Buffer.buffer(new byte[100_000])).onComplete(v -> {
        // SO_LINGER 0: the close sends a reset instead of a FIN
        ((NetSocketInternal) so).channelHandlerContext().channel().config().setOption(ChannelOption.SO_LINGER, 0);
        so.close();
      });
    }));
    start("", members(resetter));
    try (TcpClient client = TcpClient.connect(port)) {
      client.write("go");
      try {
        client.readToEnd();
      } catch (UncheckedIOException reset) {
        // a reset may reach the client as a reset too: either way the connection ended, promptly
      }
    }
    assertNothingLeft();
    String line = gw.awaitAccessLog("member=127.0.0.1:" + resetter.port());
    assertTrue(line.contains("in=2 ") && (line.contains("out=100000") || line.contains("end=member_reset")), line);
  }

  /**
   * A client that stops reading while its member sends: at client_timeout the gateway resets the client rather than
   * closing it after a flush that never comes, which held the socket and megabytes of buffers while it stayed silent.
   */
  @Test
  void aClientThatStopsReadingIsResetAtClientTimeout() {
    Member flood = backends.tcp("flood", so -> {
      Buffer chunk = Buffer.buffer(new byte[65_536]);
      Runnable[] more = new Runnable[1];
      long[] left = {64L << 20};
      more[0] = () -> {
        while (left[0] > 0 && !so.writeQueueFull()) {
          so.write(chunk);
          left[0] -= chunk.length();
        }
        if (left[0] > 0) {
          so.drainHandler(v -> more[0].run());
        }
      };
      more[0].run();
    });
    start(",\"client_timeout\":0.5", members(flood));
    try (TcpClient client = TcpClient.connect(port)) {
      client.write("go");
      assertTrue(gw.awaitAccessLog("member=127.0.0.1:" + flood.port()).contains(" end=client_idle"));
      assertThrows(UncheckedIOException.class, client::readToEnd, "the client was closed, not reset");
    }
    assertNothingLeft();
  }

  @Test
  void aStalledMemberIsCutAtMemberTimeout() {
    Member staller = backends.tcp("staller", so -> so.pause());
    start(",\"member_timeout\":0.5,\"client_timeout\":30", members(staller));
    try (TcpClient client = TcpClient.connect(port)) {
      client.write("hello?");
      long t0 = System.nanoTime();
      assertEquals(null, client.readLine());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 300 && ms < 4000, "cut after " + ms + " ms");
    }
    assertNothingLeft();
    assertTrue(gw.awaitAccessLog("member=127.0.0.1:" + staller.port()).contains(" end=member_idle"));
  }

  @Test
  void membersComingAndGoingUnderLoadHangNoClientAndLeakNothing() throws Exception {
    Member steady = backends.tcpEcho("steady");
    Member flapping = backends.tcpEcho("flapping");
    start("", members(steady, flapping));
    AtomicBoolean running = new AtomicBoolean(true);
    CompletableFuture<Void> flapper = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < 40 && running.get(); i++) {
        if (i % 2 == 0) {
          flapping.stop();
        } else {
          flapping.start();
        }
      }
    });
    int served = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int i = 0; i < 300 && System.nanoTime() < deadline; i++) {
      try (TcpClient c = TcpClient.connect(port)) {
        // every client is either served by a member or closed at once: never left waiting (read timeout 5 s)
        String greeting = c.readLine();
        if (greeting != null) {
          served++;
        }
      }
    }
    running.set(false);
    flapper.get(20, TimeUnit.SECONDS);
    assertTrue(served > 250, "only " + served + " of 300 clients served with a steady member present");
    assertNothingLeft();
  }
}
