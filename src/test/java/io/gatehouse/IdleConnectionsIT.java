package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 idle keep-alive connections (one request each, then held) on the packaged gateway, in its own process
 * so that its file descriptors are its own: new clients are still served promptly, and the memory it takes is
 * printed for the record.
 */
class IdleConnectionsIT {

  static final int IDLE = 10_000;

  @TempDir
  Path dir;

  @Test
  void tenThousandIdleConnectionsDoNotSlowNewClients() throws Exception {
    try (Backends backends = new Backends()) {
      Member member = backends.http("m");
      int port = TestPorts.free();
      Path cfg = dir.resolve("gatehouse.json");
      Files.writeString(cfg, """
          {"admin":{"port":%d},"access_log":false,"node":{"event_loops":2},
           "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                         "keepalive_timeout":300,"client_timeout":120}],
           "pools":[{"name":"p","protocol":"HTTP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
          """.formatted(TestPorts.free(), port, member.port()));
      Path log = dir.resolve("gw.log");
      Process gw = GatehouseJarIT.launch(log, "--config", cfg.toString());
      List<SocketChannel> idle = new ArrayList<>(IDLE);
      try {
        Await.until(Duration.ofSeconds(30), () -> GatehouseJarIT.logHas(log, "gatehouse ready"),
            () -> GatehouseJarIT.tail(log));
        long rssBefore = rssKb(gw.pid());
        byte[] request = ("GET / HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        for (int i = 0; i < IDLE && System.nanoTime() < deadline; i++) {
          // spread over source addresses so that no address runs out of ephemeral ports
          SocketChannel ch = SocketChannel.open();
          ch.bind(new InetSocketAddress("127.0.1." + (1 + i % 200), 0));
          ch.connect(new InetSocketAddress("127.0.0.1", port));
          idle.add(ch);
          ch.write(ByteBuffer.wrap(request));
          buf.clear();
          int n = ch.read(buf);
          assertTrue(n > 12 && new String(buf.array(), 0, 12, StandardCharsets.US_ASCII).equals("HTTP/1.1 200"),
              "request " + i + " not answered with 200: " + (n > 0 ? new String(buf.array(), 0, n) : n));
        }
        assertEquals(IDLE, idle.size(), "not all connections opened in time");
        long rssHeld = rssKb(gw.pid());
        for (int i = 0; i < 20; i++) {
          long t0 = System.nanoTime();
          try (RawHttp fresh = new RawHttp(port)) {
            assertEquals(200, fresh.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read().status());
          }
          long ms = (System.nanoTime() - t0) / 1_000_000;
          assertTrue(ms < 1000, "a new client waited " + ms + " ms beside " + IDLE + " idle connections");
        }
        System.out.printf("idle connections: %d held; gateway RSS %d MB before, %d MB with them: %.1f KB each%n",
            IDLE, rssBefore / 1024, rssHeld / 1024, (rssHeld - rssBefore) / (double) IDLE);
      } finally {
        for (SocketChannel ch : idle) {
          closeQuietly(ch);
        }
        gw.destroy();
        GatehouseJarIT.exitCode(gw, Duration.ofSeconds(40));
      }
    }
  }

  static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing a test socket
    }
  }
}
