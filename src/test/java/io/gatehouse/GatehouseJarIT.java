package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.LeakCheck;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.UdpClient;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import io.netty.channel.uring.IoUring;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as a user runs it: exit codes, printed errors, SIGTERM, the demo of the README. */
class GatehouseJarIT {

  static final Path JAR = Path.of("target/gatehouse.jar");

  @TempDir
  Path dir;

  static Process launch(Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m"));
    cmd.addAll(LeakCheck.childJvmOptions());
    cmd.addAll(List.of("-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    LeakCheck.childLog(log); // a LEAK or blocked-thread line in it fails the test
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static int exitCode(Process p, Duration limit) throws InterruptedException {
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("process did not exit within " + limit);
    }
    return p.exitValue();
  }

  @Test
  void checkAcceptsTheDefaultConfigurationAndRefusesABrokenOne() throws Exception {
    Path log = dir.resolve("check.log");
    assertEquals(0, exitCode(launch(log, "--check", "--config", "conf/gatehouse.json"), Duration.ofSeconds(30)),
        Files.readString(log));
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, """
        {"listeners":[{"name":"x","protocol":"TCP","protocol_port":70000,"default_pool":"nope"}],"pools":[]}""");
    assertEquals(1, exitCode(launch(log, "--check", "--config", bad.toString()), Duration.ofSeconds(30)));
    String out = Files.readString(log);
    assertTrue(out.contains("config error: $.listeners[0].protocol_port: must be 1-65535"), out);
    assertTrue(out.contains("config error: $.listeners[0].default_pool:"), out);
    assertTrue(!out.contains("Exception"), out);
  }

  @Test
  void warningsArePrintedByCheckAndAtStartUp() throws Exception {
    Path cfg = dir.resolve("gatehouse.json");
    Files.writeString(cfg, """
        {"admin":{"port":%d},"drain_timeout":1,
         "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
         "pools":[{"name":"p","protocol":"TCP","health_monitor":{"type":"TCP","url_path":"/x"},"members":[]}]}"""
        .formatted(TestPorts.free(), TestPorts.free()));
    String warning =
        "config warning: $.pools[0].health_monitor.url_path: used only by HTTP and HTTPS monitors, ignored";
    Path check = dir.resolve("check.log");
    assertEquals(0, exitCode(launch(check, "--check", "--config", cfg.toString()), Duration.ofSeconds(30)),
        Files.readString(check));
    assertTrue(Files.readString(check).lines().anyMatch(warning::equals), Files.readString(check));
    Path log = dir.resolve("run.log");
    Process p = launch(log, "--config", cfg.toString());
    try {
      Await.until(Duration.ofSeconds(30), () -> logHas(log, "gatehouse ready"), () -> tail(log));
      assertTrue(Files.readString(log).lines().anyMatch(warning::equals), tail(log));
    } finally {
      p.destroy();
      exitCode(p, Duration.ofSeconds(20));
    }
  }

  @Test
  void anInvalidConfigurationAtStartUpExitsOne() throws Exception {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"listeners\": [ }");
    Path log = dir.resolve("start.log");
    assertEquals(1, exitCode(launch(log, "--config", bad.toString()), Duration.ofSeconds(30)));
    assertTrue(Files.readString(log).contains("config error: $: invalid JSON"), Files.readString(log));
  }

  @Test
  void aRefusedReloadPrintsItsConfigErrorsOnStderr() throws Exception {
    Path cfg = dir.resolve("gatehouse.json");
    String good = """
        {"admin":{"port":%d},"drain_timeout":1,"reload":{"scan_period_ms":200},
         "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
         "pools":[{"name":"p","protocol":"TCP","members":[]}]}""".formatted(TestPorts.free(), TestPorts.free());
    Files.writeString(cfg, good);
    Path out = dir.resolve("out.log");
    Path err = dir.resolve("err.log");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString(), "--config", cfg.toString()));
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      Await.until(Duration.ofSeconds(30), () -> logHas(out, "gatehouse ready"), () -> tail(out));
      Files.writeString(cfg, good.replace("\"drain_timeout\":1", "\"drain_timeout\":-5"));
      String line = "config error: $.drain_timeout: ";
      Await.until(Duration.ofSeconds(20), () -> logHas(err, line), () -> tail(err) + tail(out));
      assertTrue(logHas(out, "reload refused: " + line), tail(out));
    } finally {
      p.destroy();
      exitCode(p, Duration.ofSeconds(20));
    }
  }

  @Test
  void aPortThatCannotBeBoundExitsOneWithABindError() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Path cfg = dir.resolve("gatehouse.json");
      Files.writeString(cfg, """
          {"admin":{"port":%d},"listeners":[{"name":"busy","protocol":"TCP","host":"127.0.0.1",
            "protocol_port":%d,"default_pool":"p"}],
           "pools":[{"name":"p","protocol":"TCP","members":[]}]}""".formatted(TestPorts.free(), taken.getLocalPort()));
      Path log = dir.resolve("bind.log");
      assertEquals(1, exitCode(launch(log, "--config", cfg.toString()), Duration.ofSeconds(30)));
      assertTrue(Files.readString(log).contains("bind error: listener busy: "), Files.readString(log));
    }
  }

  @Test
  void sigtermDrainsAndExitsZero() throws Exception {
    int port = TestPorts.free();
    Path cfg = dir.resolve("gatehouse.json");
    Files.writeString(cfg, """
        {"admin":{"port":%d},"drain_timeout":2,
         "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
         "pools":[{"name":"p","protocol":"TCP","members":[]}]}""".formatted(TestPorts.free(), port));
    Path log = dir.resolve("run.log");
    Process p = launch(log, "--config", cfg.toString());
    Await.until(Duration.ofSeconds(30), () -> logHas(log, "gatehouse ready"), () -> tail(log));
    p.destroy(); // SIGTERM, to this process only
    assertEquals(0, exitCode(p, Duration.ofSeconds(20)), tail(log));
  }

  @Test
  void theReadmeDemoBalancesTcpSslAndUdpAcrossTheDemoMembers() throws Exception {
    Path log = dir.resolve("demo.log");
    Process p = launch(log, "--config", "conf/gatehouse.json", "--demo");
    try {
      Await.until(Duration.ofSeconds(30), () -> logHas(log, "gatehouse ready"), () -> tail(log));
      // the demo's members start first, and must not have loaded Netty's io_uring with multishot polls
      assertTrue(!IoUring.isAvailable() || logHas(log, "native io_uring transport"), tail(log));
      // the demo shows balancing by itself: one log line per protocol, every demo member named
      Await.until(Duration.ofSeconds(15), () -> logHas(log, "demo: 4 TCP connections"), () -> tail(log));
      assertTrue(logHas(log, "6 HTTP requests to http://127.0.0.1:8080/ were answered by demo-http-1 x2, "
          + "demo-http-2 x2, demo-http-3 x2"), tail(log));
      assertTrue(logHas(log, "were answered by demo-tcp-1 x1, demo-tcp-2 x1, demo-tcp-3 x2"), tail(log));
      Set<String> greeted = new HashSet<>();
      for (int i = 0; i < 8; i++) {
        try (TcpClient c = TcpClient.connect(7000)) {
          greeted.add(c.readLine());
        }
      }
      assertEquals(3, greeted.size(), greeted.toString());
      Set<String> udp = new HashSet<>();
      for (int i = 0; i < 6; i++) {
        try (UdpClient c = new UdpClient(7001)) {
          udp.add(c.ask("hi").split(" ")[0]);
        }
      }
      assertEquals(3, udp.size(), udp.toString());
      Set<String> ssl = new HashSet<>();
      SSLContext trustAll = SSLContext.getInstance("TLS");
      trustAll.init(null, new TrustManager[] {new X509TrustManager() {
        public void checkClientTrusted(X509Certificate[] c, String a) {}
        public void checkServerTrusted(X509Certificate[] c, String a) {}
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      for (int i = 0; i < 8; i++) {
        try (SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", 7443)) {
          s.setSoTimeout(5000);
          ssl.add(new String(s.getInputStream().readNBytes(12)));
        }
      }
      assertEquals(3, ssl.size(), ssl.toString());
    } finally {
      p.destroy();
      exitCode(p, Duration.ofSeconds(40));
    }
  }

  static boolean logHas(Path log, String text) {
    try {
      return Files.readString(log).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  static String tail(Path log) {
    try {
      String s = Files.readString(log);
      return s.substring(Math.max(0, s.length() - 3000));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
