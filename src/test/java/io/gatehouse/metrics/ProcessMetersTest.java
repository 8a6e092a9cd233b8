package io.gatehouse.metrics;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.Gateway;
import io.gatehouse.admin.PrometheusText;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What /metrics adds to the gatehouse_* meters: JVM and process meters, Vert.x's worker pools, the event loops'
 * queues and the access log's drops; and what it must not add: Vert.x's per-connection HTTP and net meters.
 */
class ProcessMetersTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? \\S+.*$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  @Test
  void jvmProcessAndWorkerPoolFamiliesAreServedWithoutPerConnectionOnes() throws Exception {
    try (Backends backends = new Backends()) {
      Backends.Member a = backends.http("a");
      int port = TestPorts.free();
      try (GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
          "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
          """.formatted(port, members(a)))) {
        for (int i = 0; i < 3; i++) { // traffic that Vert.x's HTTP server and net meters would have counted
          assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        System.gc(); // GC pauses are recorded from the JVM's notifications: one collection makes the family
        Await.until(Duration.ofSeconds(10), () -> gw.metrics().contains("jvm_gc_pause_seconds_count{"),
            "no jvm_gc_pause_seconds after a System.gc()");
        String text = gw.metrics();
        for (String family : List.of("jvm_memory_used_bytes{area=\"heap\"", "jvm_memory_used_bytes{area=\"nonheap\"",
            "jvm_memory_max_bytes", "jvm_gc_pause_seconds_count", "jvm_threads_live_threads",
            "jvm_classes_loaded_classes", "process_cpu_usage", "system_cpu_count", "process_open_fds",
            "process_max_fds", "process_uptime_seconds", "process_start_time_seconds")) {
          assertTrue(text.contains("\n" + family), family + " missing:\n" + text);
        }
        assertTrue(PrometheusText.value(text, "process_open_fds") > 0, text);
        for (String pool : List.of("vert.x-worker-thread", "vert.x-internal-blocking")) {
          assertTrue(PrometheusText.value(text, "vertx_pool_in_use", "pool_type=worker", "pool_name=" + pool) >= 0,
              pool + " pool missing:\n" + text);
        }
        assertTrue(PrometheusText.value(text, "gatehouse_event_loop_pending_tasks", "loop=0") >= 0, text);
        assertTrue(PrometheusText.value(text, "gatehouse_event_loop_pending_tasks", "loop=1") >= 0, text);
        assertTrue(PrometheusText.value(text, "gatehouse_event_loop_pending_tasks", "loop=acceptor") >= 0, text);
        assertEquals(0.0, PrometheusText.value(text, "gatehouse_access_log_dropped_total"), text);

        Set<String> perConnection = Set.of("remote", "local", "address", "remote_address", "local_address",
            "client");
        for (String line : text.split("\n")) {
          Matcher m = SAMPLE.matcher(line);
          if (line.startsWith("#") || !m.matches()) {
            continue;
          }
          String name = m.group(1);
          assertTrue(!name.startsWith("vertx_") || name.startsWith("vertx_pool_"), "a Vert.x meter beyond the"
              + " pools: " + line);
          assertTrue(!name.startsWith("vertx_pool_") || line.contains("pool_type=\"worker\""), line);
          Matcher labels = LABEL.matcher(m.group(3) == null ? "" : m.group(3));
          while (labels.find()) {
            assertTrue(!perConnection.contains(labels.group(1)), "a per-connection label: " + line);
          }
        }
      }
    }
  }

  @Test
  void eventLoopQueuesAreReadFromEachLoop() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("{" + head() + "\"listeners\":[],\"pools\":[]}")) {
      // a loop kept busy while tasks queue behind it: its gauge shows them, the other loop's does not
      io.vertx.core.Vertx vertx = gw.gateway().vertx();
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch busy = new CountDownLatch(1);
      io.vertx.core.Context loop = vertx.getOrCreateContext();
      loop.runOnContext(v -> {
        busy.countDown();
        try {
          release.await(); // blocks this event loop on purpose, for the test only
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      try {
        assertTrue(busy.await(10, java.util.concurrent.TimeUnit.SECONDS));
        for (int i = 0; i < 5; i++) {
          loop.runOnContext(v -> { });
        }
        String text = gw.gateway().meters().scrape(); // not over HTTP: the admin server may be on the blocked loop
        double queued = Arrays.stream(new String[] {"0", "1"})
            .mapToDouble(l -> PrometheusText.value(text, "gatehouse_event_loop_pending_tasks", "loop=" + l)).max()
            .orElse(-1);
        assertTrue(queued >= 5, "5 tasks queued behind a blocked loop:\n" + text);
      } finally {
        release.countDown();
      }
    }
  }

  @Test
  void accessLogLinesDroppedBehindAStuckWriterAreCounted() throws Exception {
    Path dir = Files.createTempDirectory("gatehouse-test");
    Path file = dir.resolve("gatehouse.json");
    Files.writeString(file, "{" + head() + "\"listeners\":[],\"pools\":[]}");
    CountDownLatch release = new CountDownLatch(1);
    PrintStream stuck = new PrintStream(new OutputStream() { // stdout that stops taking lines
      @Override
      public void write(int b) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    Gateway gateway = Sync.await(Gateway.start(ConfigParser.load(file), Gateway.Options.standalone(file, stuck)));
    try {
      // 2 KB lines: the writer takes at most 64 KB of them into the batch it blocks on, the queue holds 65,536
      String pad = "x".repeat(2048);
      for (int i = 0; i < 70_000; i++) {
        gateway.accessLog().log(fields -> fields.head(Instant.EPOCH, "test", "HTTP").text("pad", pad));
      }
      long dropped = gateway.accessLog().dropped();
      assertTrue(dropped > 0, "nothing dropped");
      String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
          + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertEquals(dropped, PrometheusText.value(text, "gatehouse_access_log_dropped_total"), text);
    } finally {
      release.countDown();
      Sync.await(gateway.stop());
    }
  }
}
