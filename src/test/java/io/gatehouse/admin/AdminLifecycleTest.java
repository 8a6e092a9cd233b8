package io.gatehouse.admin;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.Gateway;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The admin server's place in the gateway's life: up before the listeners, answering through the drain. */
class AdminLifecycleTest {

  private static String tcpGateway(String head, int port, int memberPort) {
    return "{" + head + """
        "listeners":[{"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"tp"}],
        "pools":[{"name":"tp","protocol":"TCP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(port, memberPort);
  }

  @Test
  void healthSaysDrainingWhileAnOpenConnectionDrains() {
    try (Backends backends = new Backends()) {
      Backends.Member x = backends.tcpEcho("x");
      int port = TestPorts.free();
      GatewayHarness gw = GatewayHarness.start(tcpGateway(head(), port, x.port()));
      AdminClient admin = new AdminClient(gw.gateway().adminPort(), null);
      assertEquals(200, admin.get("/health").statusCode());
      try (TcpClient open = TcpClient.connect(port)) {
        assertEquals("x", open.readLine());
        Future<Void> stopped = gw.gateway().stop();
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        Await.until(Duration.ofSeconds(5), () -> {
          last.set(admin.get("/health"));
          return last.get().statusCode() == 503;
        }, () -> "health did not turn 503 during the drain: " + last.get().body());
        assertEquals(new JsonObject().put("status", "DRAINING"), new JsonObject(last.get().body()));
        assertEquals("DRAINING", admin.json("/api/v1/status").getJsonArray("listeners").getJsonObject(0)
            .getString("state"));
        Sync.await(stopped);
      }
    }
  }

  @Test
  void anAdminPortThatCannotBeBoundFailsTheStartBeforeAnyListener() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int listenerPort = TestPorts.free();
      String head = head().replaceFirst("\"admin\":\\{\"port\":\\d+", "\"admin\":{\"port\":" + taken.getLocalPort());
      Path dir = Files.createTempDirectory("gatehouse-admin");
      Path file = dir.resolve("gatehouse.json");
      Files.writeString(file, tcpGateway(head, listenerPort, 9));
      ConfigResult loaded = ConfigParser.load(file);
      assertTrue(loaded.ok(), loaded.errors().toString());
      PrintStream log = new PrintStream(new ByteArrayOutputStream());
      ExecutionException failed = assertThrows(ExecutionException.class,
          () -> Gateway.start(loaded, Gateway.Options.standalone(file, log))
              .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
      assertNotNull(failed.getCause().getMessage());
      assertTrue(failed.getCause().getMessage().startsWith("bind error: admin: "), failed.getCause().getMessage());
      try (ServerSocket free = new ServerSocket(listenerPort, 1, InetAddress.getLoopbackAddress())) {
        assertEquals(listenerPort, free.getLocalPort(), "no listener was bound");
      }
    }
  }
}
