package io.gatehouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.LeakCheck;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
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
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      LeakCheck.childLog(log); // a LEAK or blocked-thread line in it fails the test
      List<String> cmd = new ArrayList<>(List.of("bash", "-c",
          "ulimit -n 256 && exec \"$0\" -Xmx256m \"${@:3}\" -jar \"$1\" --config \"$2\"", java,
          GatehouseJarIT.JAR.toString(), cfg.toString()));
      cmd.addAll(LeakCheck.childJvmOptions());
      Process gw = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
