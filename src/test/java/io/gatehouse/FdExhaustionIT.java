package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.LeakCheck;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway runs out of file descriptors (started under `ulimit -n 256`, then offered 400 tunnels of two
 * sockets each): it keeps running, refuses or parks what it cannot take, and serves new clients again as soon
 * as descriptors are free.
 */
class FdExhaustionIT {

  @TempDir
  Path dir;

  @Test
  void runningOutOfFileDescriptorsIsSurvived() throws Exception {
    try (Backends backends = new Backends()) {
      Member echo = backends.tcpEcho("echo");
      int port = TestPorts.free();
      Path cfg = dir.resolve("gatehouse.json");
      Files.writeString(cfg, """
          {"admin":{"port":%d},"access_log":false,"node":{"event_loops":1},
           "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
           "pools":[{"name":"p","protocol":"TCP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
          """.formatted(TestPorts.free(), port, echo.port()));
      Path log = dir.resolve("gw.log");
      Process gw = launchWith256Descriptors(cfg, log);
      List<Socket> held = new ArrayList<>();
      try {
        Await.until(Duration.ofSeconds(30), () -> GatehouseJarIT.logHas(log, "gatehouse ready"),
            () -> GatehouseJarIT.tail(log));
        for (int i = 0; i < 400; i++) {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", port), 2000); // the kernel's backlog accepts even if we cannot
          held.add(s);
        }
        // give the gateway its chance to hit the limit, then check it is still alive and answering its admin port
        Await.until(Duration.ofSeconds(10), () -> GatehouseJarIT.logHas(log, "open files")
            || echo.open.get() >= 100, () -> GatehouseJarIT.tail(log));
        assertTrue(gw.isAlive(), GatehouseJarIT.tail(log));
        // a failed accept is retried at once: logged once per 10 s with a count, not once per try
        assertTrue(linesWith(log, "accept") <= 5, "accept failures flood the log: " + GatehouseJarIT.tail(log));
      } finally {
        for (Socket s : held) {
          closeQuietly(s);
        }
      }
      try {
        // descriptors come back: a new client is served again
        Await.until(Duration.ofSeconds(20), () -> served(port), () -> GatehouseJarIT.tail(log));
        assertTrue(gw.isAlive());
      } finally {
        gw.destroy();
        assertEquals(0, GatehouseJarIT.exitCode(gw, Duration.ofSeconds(40)), GatehouseJarIT.tail(log));
      }
    }
  }

  /**
   * A flood of UDP clients (each source port a session, each session a socket towards the member) under `ulimit -n
   * 256`: the sessions stop at a quarter of the descriptor limit, shared by the UDP listeners, so a TCP listener,
   * the admin API and the other UDP listener of the same process keep working, and the log says why new clients
   * were dropped.
   */
  @Test
  void aUdpFloodLeavesDescriptorsForEveryoneElse() throws Exception {
    try (Backends backends = new Backends()) {
      Member tcpEcho = backends.tcpEcho("echo");
      Member udpEcho = backends.udpEcho("u");
      int tcp = TestPorts.free();
      int udp = TestPorts.free();
      int udp2 = TestPorts.free();
      int admin = TestPorts.free();
      Path cfg = tcpAndUdp(admin, tcp, udp, udp2, tcpEcho, udpEcho);
      Path log = dir.resolve("gw.log");
      Process gw = launchWith256Descriptors(cfg, log);
      List<DatagramSocket> clients = new ArrayList<>();
      try {
        Await.until(Duration.ofSeconds(30), () -> GatehouseJarIT.logHas(log, "gatehouse ready"),
            () -> GatehouseJarIT.tail(log));
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 40; i++) {
          // one client after the other, each answered before the next: answered sessions are kept, none evicted
          DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          clients.add(c);
          c.setSoTimeout(300);
          c.send(new DatagramPacket(hello, hello.length, new InetSocketAddress("127.0.0.1", udp)));
          try {
            c.receive(new DatagramPacket(new byte[100], 100));
          } catch (java.net.SocketTimeoutException refused) {
            // past the listener's share: dropped
          }
        }
        Await.until(Duration.ofSeconds(20), () -> GatehouseJarIT.logHas(log, "descriptor limit allows"),
            () -> GatehouseJarIT.tail(log));
        assertTrue(served(tcp), "the TCP listener starved: " + GatehouseJarIT.tail(log));
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/health")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode());
        int sessions = udpSessions(admin);
        assertTrue(sessions > 0 && sessions <= 32, "UDP sessions past half of a quarter of 256 descriptors: "
            + sessions);
        // the flooded listener took its share only: a client of the other UDP listener is served
        DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        clients.add(other);
        other.setSoTimeout(2000);
        other.send(new DatagramPacket(hello, hello.length, new InetSocketAddress("127.0.0.1", udp2)));
        DatagramPacket answer = new DatagramPacket(new byte[100], 100);
        other.receive(answer);
        assertEquals("hello", new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII));
        assertTrue(gw.isAlive(), GatehouseJarIT.tail(log));
      } finally {
        clients.forEach(DatagramSocket::close);
        gw.destroy();
        assertEquals(0, GatehouseJarIT.exitCode(gw, Duration.ofSeconds(40)), GatehouseJarIT.tail(log));
      }
    }
  }

  /**
   * With every descriptor taken by TCP connections, a new UDP session cannot open its member socket: it ends at
   * once instead of staying counted without a socket (its client's datagrams went nowhere for as long as it kept
   * sending), and once descriptors are free a new client is served.
   */
  @Test
  void aUdpSessionThatGetsNoSocketEndsAtOnce() throws Exception {
    try (Backends backends = new Backends()) {
      Member tcpEcho = backends.tcpEcho("echo");
      Member udpEcho = backends.udpEcho("u");
      int tcp = TestPorts.free();
      int udp = TestPorts.free();
      int admin = TestPorts.free();
      Path cfg = tcpAndUdp(admin, tcp, udp, TestPorts.free(), tcpEcho, udpEcho);
      Path log = dir.resolve("gw.log");
      Process gw = launchWith256Descriptors(cfg, log);
      List<Socket> held = new ArrayList<>();
      List<DatagramSocket> clients = new ArrayList<>();
      try {
        Await.until(Duration.ofSeconds(30), () -> GatehouseJarIT.logHas(log, "gatehouse ready"),
            () -> GatehouseJarIT.tail(log));
        for (int i = 0; i < 300; i++) {
          Socket s = new Socket();
          s.connect(new InetSocketAddress("127.0.0.1", tcp), 2000);
          held.add(s);
        }
        Await.until(Duration.ofSeconds(10), () -> GatehouseJarIT.logHas(log, "open files"),
            () -> GatehouseJarIT.tail(log));
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 20; i++) {
          DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          clients.add(c);
          c.send(new DatagramPacket(hello, hello.length, new InetSocketAddress("127.0.0.1", udp)));
        }
        for (Socket s : held) {
          closeQuietly(s);
        }
        // far sooner than keepalive_timeout: no session is left counted without its socket
        Await.until(Duration.ofSeconds(10), () -> udpSessions(admin) == 0, () -> GatehouseJarIT.tail(log));
        DatagramSocket late = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        clients.add(late);
        late.setSoTimeout(2000);
        late.send(new DatagramPacket(hello, hello.length, new InetSocketAddress("127.0.0.1", udp)));
        DatagramPacket answer = new DatagramPacket(new byte[100], 100);
        late.receive(answer);
        assertEquals("hello", new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII));
      } finally {
        held.forEach(FdExhaustionIT::closeQuietly);
        clients.forEach(DatagramSocket::close);
        gw.destroy();
        assertEquals(0, GatehouseJarIT.exitCode(gw, Duration.ofSeconds(40)), GatehouseJarIT.tail(log));
      }
    }
  }

  /** A TCP listener and two UDP listeners ("udp", whose sessions live a minute idle, and "udp2") on echo members. */
  private Path tcpAndUdp(int admin, int tcp, int udp, int udp2, Member tcpEcho, Member udpEcho) throws IOException {
    Path cfg = dir.resolve("gatehouse.json");
    Files.writeString(cfg, """
        {"admin":{"port":%d},"access_log":false,"node":{"event_loops":1},"drain_timeout":1,
         "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"},
                      {"name":"udp","protocol":"UDP","host":"127.0.0.1","protocol_port":%d,"default_pool":"u",
                       "keepalive_timeout":60},
                      {"name":"udp2","protocol":"UDP","host":"127.0.0.1","protocol_port":%d,"default_pool":"u"}],
         "pools":[{"name":"p","protocol":"TCP","members":[{"address":"127.0.0.1","protocol_port":%d}]},
                  {"name":"u","protocol":"UDP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(admin, tcp, udp, udp2, tcpEcho.port(), udpEcho.port()));
    return cfg;
  }

  /** The UDP sessions open on listener "udp", from the status document. */
  private static int udpSessions(int admin) {
    try {
      JsonObject status = new JsonObject(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + admin + "/api/v1/status")).build(), HttpResponse.BodyHandlers.ofString())
          .body());
      return status.getJsonArray("listeners").stream().map(JsonObject.class::cast)
          .filter(l -> l.getString("name").equals("udp")).findFirst().orElseThrow().getInteger("active_connections");
    } catch (IOException e) {
      return -1; // the admin API itself may lack a descriptor for a moment
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The jar under `ulimit -n 256`, its output in {@code log}. */
  private static Process launchWith256Descriptors(Path cfg, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    LeakCheck.childLog(log); // a LEAK or blocked-thread line in it fails the test
    List<String> cmd = new ArrayList<>(List.of("bash", "-c",
        "ulimit -n 256 && exec \"$0\" -Xmx256m \"${@:3}\" -jar \"$1\" --config \"$2\"", java,
        GatehouseJarIT.JAR.toString(), cfg.toString()));
    cmd.addAll(LeakCheck.childJvmOptions());
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static long linesWith(Path log, String text) throws IOException {
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> l.contains(text)).count();
    }
  }

  private static boolean served(int port) {
    try (TcpClient c = TcpClient.connect(port)) {
      c.setReadTimeout(2000);
      return "echo".equals(c.readLine());
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing a test socket
    }
  }
}
