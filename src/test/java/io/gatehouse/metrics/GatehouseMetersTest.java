package io.gatehouse.metrics;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.PrometheusText;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.CommandRun;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import java.net.URI;
import java.nio.file.Files;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Meters follow the running state: a member removed from a pool takes its meters with it. */
class GatehouseMetersTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void refreshDropsTheMetersOfARemovedMemberAndKeepsTheOthers() throws Exception {
    try (Backends backends = new Backends()) {
      Backends.Member a = backends.http("a");
      Backends.Member b = backends.http("b");
      int port = TestPorts.free();
      GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
          "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
          """.formatted(port, members(a, b)));
      try {
        for (int i = 0; i < 4; i++) {
          HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
          assertEquals(200, r.statusCode());
        }
        GatehouseMeters meters = gw.gateway().meters();
        String idA = "127.0.0.1:" + a.port();
        String idB = "127.0.0.1:" + b.port();
        String before = meters.scrape();
        assertTrue(before.contains("member=\"" + idB + "\""), before);

        gw.rewrite(Files.readString(gw.configFile()).replace(members(a, b), members(a)));
        assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
        String after = meters.scrape();
        assertFalse(after.contains("member=\"" + idB + "\""), "meters of the removed member remain:\n" + after);
        assertTrue(after.contains("gatehouse_member_status{member=\"" + idA + "\",pool=\"p\"} 1"), after);
        assertTrue(after.contains("gatehouse_pool_members_usable{pool=\"p\"} 1.0"), after);
        assertTrue(after.contains("gatehouse_http_requests_total{code=\"200\",listener=\"web\",member=\"" + idA
            + "\",pool=\"p\"} 2"), after);
      } finally {
        gw.close();
      }
    }
  }

  @Test
  void theListenersOwnAnswersBeforeRoutingAreCountedByStatus() throws Exception {
    // a flood of malformed or rate-limited requests shows on the dashboard's status codes, not only in the log
    int port = TestPorts.free();
    try (GatewayHarness gw = GatewayHarness.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTP","members":[]}]}
        """.formatted(port))) {
      // a pool without members has no member series; the pool's own gauge says 0 (the no-usable-member alert)
      assertTrue(gw.gateway().meters().scrape().contains("gatehouse_pool_members_usable{pool=\"p\"} 0.0"));
      for (int i = 0; i < 2; i++) {
        try (RawHttp raw = new RawHttp(port)) { // a control character in the request-target
          assertEquals(400, raw.send("GET /a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
      }
      try (RawHttp raw = new RawHttp(port)) { // a header block over 32 KiB
        assertEquals(431, raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n")
            .read().status());
      }
      String none = "listener=\"web\",member=\"none\",pool=\"none\"}";
      Await.until(Duration.ofSeconds(10), () -> gw.metrics().contains("gatehouse_http_requests_total{code=\"400\","
          + none + " 2.0") && gw.metrics().contains("gatehouse_http_requests_total{code=\"431\"," + none + " 1.0"),
          gw::metrics);
    }
  }

  @Test
  void reloadsAreCountedByResult() {
    try (Backends backends = new Backends()) {
      Backends.Member a = backends.http("a");
      GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[],"pools":[{"name":"p","protocol":"HTTP","members":%s}]}
          """.formatted(members(a)));
      try {
        GatehouseMeters meters = gw.gateway().meters();
        meters.reload(GatehouseMeters.APPLIED);
        meters.reload(GatehouseMeters.APPLIED);
        meters.reload(GatehouseMeters.REFUSED);
        String text = meters.scrape();
        assertTrue(text.contains("gatehouse_config_reloads_total{result=\"applied\"} 2"), text);
        assertTrue(text.contains("gatehouse_config_reloads_total{result=\"refused\"} 1"), text);
        assertTrue(text.contains("gatehouse_config_reloads_total{result=\"unchanged\"} 0"), text);
        assertThrows(IllegalArgumentException.class, () -> meters.reload("maybe"));
      } finally {
        gw.close();
      }
    }
  }

  @Test
  void buildInfoSaysWhatVersionOfWhichCommitRunsOnWhichJava() {
    String version = CommandRun.of("--version").out().get(0);
    Matcher m = Pattern.compile("gatehouse (\\S+) \\((\\S+)\\)").matcher(version);
    assertTrue(m.matches(), version);
    try (GatewayHarness gw = GatewayHarness.start("{" + head() + "\"listeners\":[],\"pools\":[]}")) {
      String text = gw.gateway().meters().scrape();
      assertEquals(1.0, PrometheusText.value(text, "gatehouse_build_info", "version=" + m.group(1),
          "commit=" + m.group(2), "java=" + System.getProperty("java.version")), text);
    }
  }
}
