package io.gatehouse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.UdpClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The reload promise: while keep-alive HTTP, new-connection HTTP, a long TCP stream, new TCP connections and UDP
 * sessions run, the configuration is reloaded again and again (members added and removed, weights changed, a
 * listener added and another removed) and not one request, exchange or datagram fails.
 */
class ReloadUnderLoadTest {

  static final int RELOADS = 12;

  @Test
  void nothingInFlightIsCutByReloads() throws Exception {
    try (Backends backends = new Backends()) {
      Member[] http = {backends.http("h1"), backends.http("h2"), backends.http("h3")};
      Member[] tcp = {backends.tcpEcho("t1"), backends.tcpEcho("t2"), backends.tcpEcho("t3")};
      Member[] udp = {backends.udpEcho("u1"), backends.udpEcho("u2"), backends.udpEcho("u3")};
      int httpPort = TestPorts.free();
      int tcpPort = TestPorts.free();
      int udpPort = TestPorts.free();
      int[] extraPorts = {TestPorts.free(), TestPorts.free()};
      String head = Configs.head();
      java.util.function.IntFunction<String> version = n -> {
        // members rotate: version n uses two of the three members of each pool, with changing weights
        Member[][] pick = {{http[n % 3], http[(n + 1) % 3]}, {tcp[n % 3], tcp[(n + 1) % 3]},
            {udp[n % 3], udp[(n + 1) % 3]}};
        int w = 1 + n % 4;
        String extra = ",{\"name\":\"extra-" + (n % 2) + "\",\"protocol\":\"TCP\",\"host\":\"127.0.0.1\","
            + "\"protocol_port\":" + extraPorts[n % 2] + ",\"default_pool\":\"tcp\"}";
        return "{" + head + """
            "listeners":[
              {"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"web"},
              {"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"tcp"},
              {"name":"udp","protocol":"UDP","host":"127.0.0.1","protocol_port":%d,"default_pool":"udp"}%s],
            "pools":[
              {"name":"web","protocol":"HTTP","members":%s},
              {"name":"tcp","protocol":"TCP","members":%s},
              {"name":"udp","protocol":"UDP","members":%s}]}
            """.formatted(httpPort, tcpPort, udpPort, extra, Configs.weighted(pick[0], 1, w),
            Configs.weighted(pick[1], w, 1), Configs.weighted(pick[2], 1, 1));
      };
      try (GatewayHarness gw = GatewayHarness.start(version.apply(0))) {
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Future<?>> loads = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        // every loop is bounded by count and time
        loads.add(pool.submit(() -> {
          HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
          HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/")).build();
          for (int i = 0; i < 100_000 && running.get() && System.nanoTime() < deadline; i++) {
            try {
              HttpResponse<String> r = client.send(get, HttpResponse.BodyHandlers.ofString());
              check(r.statusCode() == 200 && r.body().startsWith("member=h"), "keep-alive " + r.statusCode(), failures);
            } catch (Exception e) {
              failures.add("keep-alive: " + e);
            }
            done.incrementAndGet();
          }
        }));
        loads.add(pool.submit(() -> {
          for (int i = 0; i < 100_000 && running.get() && System.nanoTime() < deadline; i++) {
            try (RawHttp raw = new RawHttp(httpPort)) {
              RawHttp.Response r = raw.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
              check(r.status() == 200, "new connection " + r.status(), failures);
            } catch (Exception e) {
              failures.add("new connection: " + e);
            }
            done.incrementAndGet();
          }
        }));
        loads.add(pool.submit(() -> {
          try (TcpClient stream = TcpClient.connect(tcpPort)) {
            stream.readLine();
            for (int i = 0; i < 100_000 && running.get() && System.nanoTime() < deadline; i++) {
              stream.write("line " + i + "\n");
              check(("line " + i).equals(stream.readLine()), "tcp stream broke at " + i, failures);
              done.incrementAndGet();
            }
          } catch (Exception e) {
            failures.add("tcp stream: " + e);
          }
        }));
        loads.add(pool.submit(() -> {
          for (int i = 0; i < 100_000 && running.get() && System.nanoTime() < deadline; i++) {
            try (TcpClient c = TcpClient.connect(tcpPort)) {
              String greeting = c.readLine();
              check(greeting != null && greeting.startsWith("t"), "tcp greeting " + greeting, failures);
            } catch (Exception e) {
              failures.add("tcp connect: " + e);
            }
            done.incrementAndGet();
          }
        }));
        loads.add(pool.submit(() -> {
          try (UdpClient session = new UdpClient(udpPort)) {
            for (int i = 0; i < 100_000 && running.get() && System.nanoTime() < deadline; i++) {
              check(("d" + i).equals(session.ask("d" + i)), "udp datagram " + i + " lost", failures);
              done.incrementAndGet();
            }
          } catch (Exception e) {
            failures.add("udp: " + e);
          }
        }));
        for (int n = 1; n <= RELOADS; n++) {
          int before = done.get();
          io.gatehouse.testkit.Await.until(Duration.ofSeconds(10), () -> done.get() > before + 20,
              "traffic stalled before reload");
          gw.rewrite(version.apply(n));
          ReloadOutcome out = Sync.await(gw.gateway().runtime().reload());
          assertEquals(n + 1, out.version(), out.toString());
        }
        running.set(false);
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        for (Future<?> f : loads) {
          f.get();
        }
        assertEquals(List.of(), new ArrayList<>(failures));
        assertTrue(done.get() > RELOADS * 20, "too little traffic: " + done.get());
      }
    }
  }

  private static void check(boolean ok, String what, ConcurrentLinkedQueue<String> failures) {
    if (!ok) {
      failures.add(what);
    }
  }
}
