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
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.RawHttp;
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
  void aStartWarnsAboutNoMeterFilterAddedLate() {
    // every meter filter is on the registry before the first meter: Micrometer warned at each start otherwise
    try (LogCapture log = LogCapture.start();
        GatewayHarness gw = GatewayHarness.start("{" + head() + "\"listeners\":[],\"pools\":[]}")) {
      assertTrue(gw.metrics().contains("process_open_fds"));
      assertEquals(List.of(), log.matching("MeterFilter"));
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
    CountDownLatch release = new CountDownLatch(1);
    Gateway gateway = startWithStuckStdout("{" + head() + "\"listeners\":[],\"pools\":[]}", release);
    try {
      // more than the queue holds plus the one batch (65,536 characters: as many of these empty lines) the writer
      // may take before it sticks
      for (int i = 0; i < 140_000; i++) {
        gateway.accessLog().log(fields -> { }); // never formatted: the writer is stuck
      }
      long dropped = gateway.accessLog().dropped();
      assertTrue(dropped > 0, "nothing dropped");
      String text = metricsOf(gateway);
      assertEquals(dropped, PrometheusText.value(text, "gatehouse_access_log_dropped_total"), text);
    } finally {
      release.countDown();
      Sync.await(gateway.stop());
    }
  }

  @Test
  void largeLinesBehindAStuckWriterAreDroppedBeforeTheyFillTheHeap() throws Exception {
    // 1,500 requests with a 30 KB User-Agent: far fewer lines than the queue holds, but 45 MB of values; before the
    // byte bound, 65,536 such lines (2 GB) waited behind a stalled stdout and the gateway ran out of heap
    int port = TestPorts.free();
    CountDownLatch release = new CountDownLatch(1);
    Gateway gateway = startWithStuckStdout("{" + head() + "\"listeners\":[{\"name\":\"web\",\"protocol\":\"HTTP\","
        + "\"host\":\"127.0.0.1\",\"protocol_port\":" + port + ",\"default_pool\":\"none\",\"l7_policies\":[{"
        + "\"name\":\"fixed\",\"position\":1,\"rules\":[{\"type\":\"PATH\",\"compare_type\":\"STARTS_WITH\","
        + "\"value\":\"/\"}],\"action\":\"FIXED_RESPONSE\",\"status_code\":200,\"body\":\"ok\"}]}],"
        + "\"pools\":[{\"name\":\"none\",\"protocol\":\"HTTP\",\"members\":[]}]}", release);
    try (RawHttp client = new RawHttp(port)) {
      String request = "GET /big HTTP/1.1\r\nHost: x\r\nUser-Agent: " + "u".repeat(30_000) + "\r\n\r\n";
      for (int i = 0; i < 1_500; i++) {
        assertEquals(200, client.send(request).read().status(), "request " + i); // traffic never waits for the log
      }
      // 32 MiB hold about 1,100 of these lines; the rest are dropped and counted (the last line is queued once its
      // answer is written, so the count settles just after the client has read it)
      Await.until(Duration.ofSeconds(10), () -> gateway.accessLog().dropped() >= 300, () -> "nothing dropped");
      long dropped = gateway.accessLog().dropped();
      assertTrue(dropped <= 500, dropped + " dropped");
      double served = PrometheusText.value(metricsOf(gateway), "gatehouse_access_log_dropped_total");
      assertTrue(served >= 300 && served <= 500, served + " dropped at /metrics");
    } finally {
      release.countDown();
      Sync.await(gateway.stop());
    }
  }

  /** A gateway whose stdout (the access log's) takes nothing until {@code release}. */
  private static Gateway startWithStuckStdout(String json, CountDownLatch release) throws Exception {
    Path file = Files.createTempDirectory("gatehouse-test").resolve("gatehouse.json");
    Files.writeString(file, json);
    PrintStream stuck = new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    return Sync.await(Gateway.start(ConfigParser.load(file), Gateway.Options.standalone(file, stuck)));
  }

  private static String metricsOf(Gateway gateway) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
