package io.gatehouse.admin;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.Gateway;
import io.gatehouse.cluster.ClusterNodes;
import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.HeadlessChromium;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real headless browser (Debian's chromium), served with its Content-Security-Policy: the page
 * must fetch the status document and the metrics and draw them. Skipped where no chromium is installed;
 * {@code .ci/run} installs it.
 */
class DashboardBrowserTest {

  private static final Duration SOON = Duration.ofSeconds(30);
  /** The dashboard's red for drift (#c62828) and its text colour (#1d2330), as getComputedStyle gives them. */
  private static final String RED = "rgb(198, 40, 40)";
  private static final String TEXT = "rgb(29, 35, 48)";

  @TempDir
  Path profile;
  private HeadlessChromium chromium;

  @BeforeEach
  void browser() {
    assumeTrue(HeadlessChromium.available(),
        "no browser: install Debian's chromium (apt-get install -y chromium) to run the dashboard test");
    chromium = new HeadlessChromium(profile);
  }

  @Test
  void thePageShowsListenersPoolsAndMembers() throws Exception {
    try (Backends backends = new Backends()) {
      Backends.Member x = backends.tcpEcho("x");
      int port = TestPorts.free();
      GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[{"name":"front","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"tp"}],
          "pools":[{"name":"tp","protocol":"TCP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
          """.formatted(port, x.port()));
      try (TcpClient open = TcpClient.connect(port)) {
        assertEquals("x", open.readLine());
        String url = "http://127.0.0.1:" + gw.gateway().adminPort() + "/";

        String dom = chromium.dumpDom(url);
        assertTrue(dom.contains("data-member=\"127.0.0.1:" + x.port() + "\""), "no member row in:\n" + dom);
        assertTrue(dom.contains("data-listener=\"front\""), "no listener row in:\n" + dom);
        assertTrue(dom.contains("NO_MONITOR"), "no member status in:\n" + dom);
        assertTrue(dom.contains("standalone: this node alone"), "no cluster section in:\n" + dom);
      } finally {
        gw.close();
      }
    }
  }

  /** With admin.token set, the page asks for the token, and with it given draws what the API answers. */
  @Test
  void thePageWorksWithTheBearerToken() throws Exception {
    GatewayHarness gw = GatewayHarness.start("{" + head().replace("\"admin\":{", "\"admin\":{\"token\":\"s3cret\",")
        + """
        "listeners":[],
        "pools":[{"name":"p","protocol":"HTTP","members":[{"address":"127.0.0.1","protocol_port":9}]}]}""");
    try {
      // what an operator does: type the token into the form the page shows after its first 401
      String member = chromium.awaitValue("http://127.0.0.1:" + gw.gateway().adminPort() + "/", """
          (() => {
            const form = document.getElementById("login");
            if (form.style.display === "block") {
              document.getElementById("token").value = "s3cret";
              form.requestSubmit();
            }
            const row = document.querySelector("tr[data-member]");
            return row ? row.dataset.member : "";
          })()""", SOON);
      assertEquals("127.0.0.1:9", member);
    } finally {
      gw.close();
    }
  }

  /**
   * A 200 through one listener, a 502 from a pool whose only member is dead, a TLS handshake that fails: the page
   * shows them by status class, the latency of each listener, and the failure by reason, from the live /metrics.
   */
  @Test
  void thePageShowsStatusCodesLatencyAndTlsFailuresAfterRealTraffic() throws Exception {
    try (Backends backends = new Backends()) {
      Backends.Member live = backends.http("live");
      int web = TestPorts.free();
      int broken = TestPorts.free();
      int secure = TestPorts.free();
      int dead = TestPorts.free(); // nothing listens there: the member refuses
      GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "listeners":[
            {"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"live"},
            {"name":"broken","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"dead"},
            {"name":"secure","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"live",
             "tls":{"certificate":"%s","private_key":"%s"}}],
          "pools":[
            {"name":"live","protocol":"HTTP","members":[{"address":"127.0.0.1","protocol_port":%d}]},
            {"name":"dead","protocol":"HTTP","members":[{"address":"127.0.0.1","protocol_port":%d}]}]}
          """.formatted(web, broken, secure, TestCerts.RSA_CERT, TestCerts.RSA_KEY, live.port(), dead));
      try {
        assertEquals(200, get(web).status());
        assertEquals(502, get(broken).status());
        try (RawHttp plain = new RawHttp(secure)) { // plain HTTP to a TLS port: not_tls
          plain.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").readUntilClosed();
        }
        Await.until(SOON, () -> gw.gateway().meters().scrape().contains("reason=\"not_tls\""),
            "the failed handshake counted");
        String url = "http://127.0.0.1:" + gw.gateway().adminPort() + "/";
        String dom = chromium.dumpDom(url);

        String ok = row(dom, "<tr data-listener=\"web\" data-pool=\"live\">");
        assertEquals("1", attribute(ok, "data-class=\"2xx\" data-total=\"(\\d+)\""), ok);
        assertEquals("0", attribute(ok, "data-class=\"5xx\" data-total=\"(\\d+)\""), ok);
        String failed = row(dom, "<tr data-listener=\"broken\" data-pool=\"dead\">");
        assertEquals("1", attribute(failed, "data-class=\"5xx\" data-total=\"(\\d+)\""), failed);

        String latency = row(dom, "<tr data-listener=\"web\" data-requests=\"1\">");
        String p50 = attribute(latency, "data-quantile=\"p50\">([^<]+)<");
        String p99 = attribute(latency, "data-quantile=\"p99\">([^<]+)<");
        assertTrue(Double.parseDouble(p50) > 0 && Double.parseDouble(p99) >= Double.parseDouble(p50), latency);

        assertTrue(dom.contains("<tr data-listener=\"secure\" data-reason=\"not_tls\" data-total=\"1\">"),
            "no TLS failure row in:\n" + dom);

        Path shot = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        chromium.screenshot(url, shot);
        assertTrue(Files.size(shot) > 1000, "no screenshot at " + shot);
      } finally {
        gw.close();
      }
    }
  }

  /**
   * Two real cluster nodes whose configurations differ: this node's page lists both with their versions, the
   * other one in red, this one not.
   */
  @Test
  void aNodeRunningAnotherConfigurationIsShownInRed() throws Exception {
    try (ClusterNodes cluster = new ClusterNodes(2)) {
      Gateway a = cluster.start(0, ClusterStatusTest.config("gw-a", TestPorts.free(), ""));
      cluster.start(1, ClusterStatusTest.config("gw-b", TestPorts.free(), "\"drain_timeout\":2,"));
      AdminClient admin = new AdminClient(a.adminPort(), null);
      Await.until(SOON, () -> admin.json("/api/v1/status").getJsonObject("cluster").getJsonArray("nodes").size() == 2,
          () -> "both nodes in " + admin.json("/api/v1/status").getJsonObject("cluster"));

      String colours = chromium.awaitValue("http://127.0.0.1:" + a.adminPort() + "/", """
          (() => {
            const colour = name => {
              const row = document.querySelector('#cluster-nodes tr[data-node="' + name + '"]');
              return row && getComputedStyle(row.cells[0]).color;
            };
            const a = colour("gw-a"), b = colour("gw-b");
            return a && b ? JSON.stringify({a, b}) : "";
          })()""", SOON);
      JsonObject seen = new JsonObject(colours);
      assertEquals(RED, seen.getString("b"), "the drifting node: " + colours);
      assertEquals(TEXT, seen.getString("a"), "this node: " + colours);
    }
  }

  private static RawHttp.Response get(int port) {
    try (RawHttp http = new RawHttp(port)) {
      return http.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").read();
    }
  }

  /** The row that starts with {@code start}, up to its end. */
  private static String row(String dom, String start) {
    int at = dom.indexOf(start);
    assertTrue(at >= 0, "no " + start + " in:\n" + dom);
    return dom.substring(at, dom.indexOf("</tr>", at));
  }

  private static String attribute(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), "no " + regex + " in " + text);
    return m.group(1);
  }
}
