package io.gatehouse.admin;

import static io.gatehouse.admin.PrometheusText.value;
import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TcpClient;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API through a real HTTP client on the admin port of a running gateway. */
class AdminServerTest {

  private static final String TOKEN = "s3cret-token";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static Backends backends;
  static Backends.Member a;
  static Backends.Member b;
  static Backends.Member x;
  static Backends.Member y;
  static GatewayHarness gw;
  static int webPort;
  static int tcpPort;
  static int cookiePort;
  static int appPort;
  static AdminClient admin;

  @BeforeAll
  static void start() {
    backends = new Backends();
    a = backends.http("a");
    b = backends.http("b");
    x = backends.tcpEcho("x");
    y = backends.tcpEcho("y");
    webPort = TestPorts.free();
    tcpPort = TestPorts.free();
    cookiePort = TestPorts.free();
    appPort = TestPorts.free();
    gw = GatewayHarness.start("{" + head().replace("\"admin\":{", "\"admin\":{\"token\":\"" + TOKEN + "\",") + """
        "listeners":[
          {"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "l7_policies":[
             {"name":"api","position":1,"action":"REDIRECT_TO_POOL","redirect_pool":"down",
              "rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/api/"}]},
             {"name":"moved","position":2,"action":"REDIRECT_TO_URL","redirect_url":"https://example.com/new",
              "status_code":302,"rules":[{"type":"HOST_NAME","compare_type":"EQUAL_TO","value":"old.example.com"}]}]},
          {"name":"tcp","protocol":"TCP","host":"127.0.0.1","protocol_port":%d,"default_pool":"tp"},
          {"name":"cookie","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"cp"},
          {"name":"app","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"ap"}],
        "pools":[
          {"name":"p","protocol":"HTTP","members":[
            {"address":"127.0.0.1","protocol_port":%d},{"address":"127.0.0.1","protocol_port":%d}]},
          {"name":"down","protocol":"HTTP","members":[
            {"address":"127.0.0.1","protocol_port":%d,"admin_state_up":false}]},
          {"name":"tp","protocol":"TCP","lb_algorithm":"SOURCE_IP",
           "session_persistence":{"type":"SOURCE_IP"},
           "health_monitor":{"type":"TCP","delay":0.2,"timeout":0.2,"max_retries":1,"max_retries_down":1},
           "members":[{"address":"127.0.0.1","protocol_port":%d},{"address":"127.0.0.1","protocol_port":%d}]},
          {"name":"cp","protocol":"HTTP","session_persistence":{"type":"HTTP_COOKIE"},"members":[
            {"address":"127.0.0.1","protocol_port":%d},{"address":"127.0.0.1","protocol_port":%d}]},
          {"name":"ap","protocol":"HTTP","session_persistence":{"type":"APP_COOKIE","cookie_name":"SESSION"},
           "members":[{"address":"127.0.0.1","protocol_port":%d},{"address":"127.0.0.1","protocol_port":%d}]}]}
        """.formatted(webPort, tcpPort, cookiePort, appPort, a.port(), b.port(), a.port(), x.port(), y.port(),
            a.port(), b.port(), a.port(), b.port()));
    admin = new AdminClient(gw.gateway().adminPort(), TOKEN);
  }

  @AfterAll
  static void stop() {
    gw.close();
    backends.close();
  }

  static HttpResponse<String> web(String path, String host) throws Exception {
    return get(webPort, path);
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String portOf(HttpResponse<String> r) {
    return "127.0.0.1:" + (r.headers().firstValue("X-Member").orElseThrow().equals("a") ? a.port() : b.port());
  }

  static String memberOf(JsonObject route) {
    JsonObject m = route.getJsonObject("member");
    return m == null ? null : m.getString("address") + ":" + m.getInteger("protocol_port");
  }

  // --- health, token, dashboard ---

  @Test
  void healthIsUpOnceListenersAreBoundAndNeedsNoToken() {
    HttpResponse<String> r = new AdminClient(gw.gateway().adminPort(), null).get("/health");
    assertEquals(200, r.statusCode());
    assertEquals(new JsonObject().put("status", "UP"), new JsonObject(r.body()));
  }

  @Test
  void theApiNeedsTheBearerToken() {
    AdminClient anonymous = new AdminClient(gw.gateway().adminPort(), null);
    assertEquals(401, anonymous.get("/api/v1/status").statusCode());
    assertEquals(401, anonymous.get("/api/v1/status", "Bearer " + TOKEN + "x").statusCode());
    assertEquals(401, anonymous.get("/api/v1/status", "Basic " + TOKEN).statusCode());
    assertEquals(401, anonymous.post("/api/v1/reload").statusCode());
    assertEquals(401, anonymous.get("/api/v1/route?listener=web&client=10.0.0.1").statusCode());
    assertEquals(200, anonymous.get("/api/v1/status", "Bearer " + TOKEN).statusCode());
    assertEquals(200, anonymous.get("/metrics").statusCode(), "metrics stay open");
    HttpResponse<String> page = anonymous.get("/");
    assertEquals(200, page.statusCode(), "the dashboard stays open");
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("/api/v1/status"), "the page polls the status document");
  }

  @Test
  void theDashboardRunsOnlyItsOwnScriptAndStyle() throws Exception {
    HttpResponse<String> page = new AdminClient(gw.gateway().adminPort(), null).get("/");
    String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
    String body = page.body();
    String[][] inlineElements = {{"script-src", "<script>", "</script>"}, {"style-src", "<style>", "</style>"}};
    for (String[] element : inlineElements) {
      String inline = body.substring(body.indexOf(element[1]) + element[1].length(), body.indexOf(element[2]));
      String hash = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
          .digest(inline.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertTrue(csp.contains(element[0] + " 'sha256-" + hash + "';"), element[0] + " of the page's own in " + csp);
    }
    assertTrue(csp.startsWith("default-src 'none';"), csp);
    assertTrue(csp.contains("connect-src 'self';") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertTrue(body.contains("fetch(\"/metrics\""), "the page reads the metrics too");
  }

  // --- status ---

  @Test
  void statusDocumentHasTheContractShape() {
    JsonObject doc = admin.json("/api/v1/status");
    assertEquals("test", doc.getString("node"));
    assertEquals(new JsonObject().put("enabled", false).put("members", new JsonArray().add("test")).put("node", "test"),
        doc.getJsonObject("cluster"));
    JsonObject config = doc.getJsonObject("config");
    assertEquals(1, config.getInteger("version"));
    assertTrue(config.getString("loaded_at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), config.encode());
    assertTrue(config.containsKey("last_error"));
    assertNull(config.getValue("last_error"));
    assertTrue(config.getString("digest").matches("[0-9a-f]{64}"), config.encode()); // what a cluster compares

    JsonObject web = doc.getJsonArray("listeners").getJsonObject(0);
    assertEquals("web", web.getString("name"));
    assertEquals("HTTP", web.getString("protocol"));
    assertEquals("127.0.0.1", web.getString("host"));
    assertEquals(webPort, web.getInteger("protocol_port"));
    assertEquals("ACTIVE", web.getString("state"));
    assertNotNull(web.getInteger("active_connections"));

    JsonArray pools = doc.getJsonArray("pools");
    assertEquals(5, pools.size());
    JsonObject p = pools.getJsonObject(0);
    assertEquals("p", p.getString("name"));
    assertEquals("ROUND_ROBIN", p.getString("lb_algorithm"));
    JsonObject m = p.getJsonArray("members").getJsonObject(0);
    assertEquals("127.0.0.1", m.getString("address"));
    assertEquals(a.port(), m.getInteger("protocol_port"));
    assertEquals(1, m.getInteger("weight"));
    assertEquals(true, m.getBoolean("admin_state_up"));
    assertEquals("NO_MONITOR", m.getString("status"));
    assertNotNull(m.getString("status_since"));
    assertNotNull(m.getString("status_reason"));
    assertNotNull(m.getInteger("active_connections"));
    JsonObject monitored = pools.getJsonObject(2).getJsonArray("members").getJsonObject(0);
    assertEquals("ONLINE", monitored.getString("status"));
    assertEquals(false, pools.getJsonObject(1).getJsonArray("members").getJsonObject(0).getBoolean("admin_state_up"));
  }

  // --- metrics ---

  @Test
  void metricsMoveWithRealTraffic() throws Exception {
    String before = admin.get("/metrics").body();
    double tcpBefore = Math.max(0, value(before, "gatehouse_listener_connections_total", "listener=tcp"));
    String member = "127.0.0.1:" + a.port();
    double okBefore = Math.max(0, value(before, "gatehouse_http_requests_total",
        "listener=web", "pool=p", "member=" + member, "code=200"));

    try (TcpClient c = TcpClient.connect(tcpPort)) {
      assertNotNull(c.readLine());
      c.write("ping\n");
      assertEquals("ping", c.readLine());
    }
    int toA = 0;
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = web("/", null);
      assertEquals(200, r.statusCode());
      toA += "a".equals(r.headers().firstValue("X-Member").orElse("")) ? 1 : 0;
    }
    assertEquals(503, web("/api/x", null).statusCode());
    double expectedA = okBefore + toA;

    String[] after = new String[1];
    Await.until(Duration.ofSeconds(5), () -> {
      after[0] = admin.get("/metrics").body();
      return value(after[0], "gatehouse_listener_connections_total", "listener=tcp") == tcpBefore + 1
          && value(after[0], "gatehouse_http_requests_total",
              "listener=web", "pool=p", "member=" + member, "code=200") == expectedA
          && value(after[0], "gatehouse_listener_connections_active", "listener=tcp") == 0
          // counted once the answer is written, which may be just after the client has read it
          && value(after[0], "gatehouse_http_requests_total", "listener=web", "pool=down", "member=none",
              "code=503") >= 1;
    }, () -> "metrics did not follow the traffic:\n" + after[0]);
    String text = after[0];
    assertTrue(value(text, "gatehouse_listener_bytes_total", "listener=tcp", "direction=in") >= 5, text);
    assertTrue(value(text, "gatehouse_listener_bytes_total", "listener=tcp", "direction=out") >= 7, text);
    assertEquals(0, value(text, "gatehouse_listener_connections_refused_total", "listener=tcp", "reason=acl"));
    assertEquals(0, value(text, "gatehouse_listener_connections_refused_total", "listener=tcp", "reason=limit"));
    assertEquals(0, value(text, "gatehouse_listener_connections_refused_total", "listener=tcp", "reason=tls"));
    assertTrue(value(text, "gatehouse_http_requests_total",
        "listener=web", "pool=down", "member=none", "code=503") >= 1, text);
    assertTrue(value(text, "gatehouse_http_request_duration_seconds_count", "listener=web", "pool=p") >= 4, text);
    assertTrue(value(text, "gatehouse_http_request_duration_seconds_bucket", "listener=web", "pool=p",
        "le=+Inf") >= 4, text);
    assertTrue(text.contains("# TYPE gatehouse_http_request_duration_seconds histogram"), text);
    assertEquals(1, value(text, "gatehouse_member_status", "pool=p", "member=" + member));
    assertEquals(0, value(text, "gatehouse_member_status", "pool=down", "member=" + member));
    assertEquals(0, value(text, "gatehouse_member_connections_active", "pool=p", "member=" + member));
    assertEquals(1, value(text, "gatehouse_config_version"));
    assertEquals(1, value(text, "gatehouse_cluster_members"));
    assertEquals(0, value(text, "gatehouse_config_reloads_total", "result=applied"));
    assertEquals(0, value(text, "gatehouse_config_reloads_total", "result=refused"));
    assertEquals(0, value(text, "gatehouse_config_reloads_total", "result=unchanged"));
    Set<String> keys = new TreeSet<>();
    Matcher label = Pattern.compile("[{,]([a-z_]+)=\"").matcher(text);
    while (label.find()) {
      keys.add(label.group(1));
    }
    Set<String> gatehouse = Set.of("listener", "pool", "member", "code", "reason", "direction", "result", "le",
        "version", "commit", "java", "status", "loop");
    assertTrue(keys.containsAll(gatehouse), "labels in use: " + keys);
    // beyond gatehouse_*: the JVM's (area, id; action, cause, gc once a collection ran; state) and Vert.x's pools
    Set<String> allowed = new TreeSet<>(gatehouse);
    allowed.addAll(Set.of("area", "id", "action", "cause", "gc", "state", "pool_type", "pool_name"));
    assertTrue(allowed.containsAll(keys), "labels in use: " + keys + ": none can hold a client address");
  }

  @Test
  void healthProbesAreCountedPerMember() {
    String member = "127.0.0.1:" + x.port();
    String[] text = new String[1];
    Await.until(Duration.ofSeconds(5), () -> {
      text[0] = admin.get("/metrics").body();
      return value(text[0], "gatehouse_health_probes_total", "pool=tp", "member=" + member, "result=success") >= 2;
    }, () -> "no successful probes counted:\n" + text[0]);
    assertEquals(0, value(text[0], "gatehouse_health_probes_total", "pool=tp", "member=" + member, "result=failure"));
    assertTrue(value(text[0], "gatehouse_health_probe_duration_seconds_count", "pool=tp", "member=" + member) >= 2);
    assertTrue(value(text[0], "gatehouse_health_probe_duration_seconds_sum", "pool=tp", "member=" + member) > 0);
  }

  // --- route ---

  @Test
  void routeForeseesWhereTheNextTcpConnectionGoesAndThenTheStickyEntry() {
    JsonObject route = admin.json("/api/v1/route?listener=tcp&client=127.0.0.1");
    assertEquals("tcp", route.getString("listener"));
    assertNull(route.getValue("policy"));
    assertEquals("tp", route.getString("pool"));
    String foreseen = memberOf(route);
    assertTrue(route.getString("reason").equals("hash") || route.getString("reason").equals("sticky"),
        route.encode());
    assertEquals(2, route.getJsonArray("members").size(), "the member states considered");
    assertEquals("SOURCE_IP", route.getJsonObject("sticky").getString("type"));

    Map<String, Integer> ports = Map.of("x", x.port(), "y", y.port());
    try (TcpClient c = TcpClient.connect(tcpPort)) {
      assertEquals(foreseen, "127.0.0.1:" + ports.get(c.readLine()), "the real connection went elsewhere");
    }
    JsonObject again = admin.json("/api/v1/route?listener=tcp&client=127.0.0.1");
    assertEquals("sticky", again.getString("reason"));
    assertEquals(foreseen, memberOf(again));
    assertEquals(foreseen, again.getJsonObject("sticky").getJsonObject("entry").getString("member"));
  }

  @Test
  void routeForeseesTheNextRoundRobinRequest() throws Exception {
    for (int i = 0; i < 4; i++) {
      JsonObject route = admin.json("/api/v1/route?listener=web&client=10.1.2.3&path=/index.html");
      assertEquals("round_robin", route.getString("reason"));
      assertNull(route.getValue("policy"));
      assertEquals("REDIRECT_TO_POOL", route.getString("action"));
      assertEquals("p", route.getString("pool"));
      assertEquals("/index.html", route.getString("path"));
      assertEquals(route.encode(), admin.json("/api/v1/route?listener=web&client=10.1.2.3&path=/index.html").encode(),
          "a preview changes nothing");
      String served = web("/index.html", null).headers().firstValue("X-Member").orElseThrow();
      int port = served.equals("a") ? a.port() : b.port();
      assertEquals(memberOf(route), "127.0.0.1:" + port, "request " + i);
    }
  }

  @Test
  void routeHonoursTheSignedStickyCookie() throws Exception {
    HttpResponse<String> first = get(cookiePort, "/");
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    String value = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    for (int i = 0; i < 3; i++) {
      JsonObject route = admin.json("/api/v1/route?listener=cookie&client=10.9.9.9&cookie.GATEHOUSE_STICKY=" + value);
      assertEquals("cookie", route.getString("reason"));
      assertEquals(portOf(first), memberOf(route));
      assertEquals("HTTP_COOKIE", route.getJsonObject("sticky").getString("type"));
    }
    JsonObject forged = admin.json("/api/v1/route?listener=cookie&client=10.9.9.9&cookie.GATEHOUSE_STICKY=x"
        + value);
    assertEquals("round_robin", forged.getString("reason"), "a tampered cookie is not honoured");
  }

  @Test
  void routeFindsTheLearnedApplicationCookie() throws Exception {
    JsonObject unknown = admin.json("/api/v1/route?listener=app&client=10.9.9.9&cookie.SESSION=s42");
    assertEquals("round_robin", unknown.getString("reason"));
    HttpResponse<String> learned = get(appPort, "/set/SESSION/s42");
    assertEquals(200, learned.statusCode());
    JsonObject route = admin.json("/api/v1/route?listener=app&client=10.9.9.9&cookie.SESSION=s42");
    assertEquals("sticky", route.getString("reason"));
    assertEquals(portOf(learned), memberOf(route));
    assertEquals(portOf(learned), route.getJsonObject("sticky").getJsonObject("entry").getString("member"));
  }

  @Test
  void routeFollowsPoliciesToNoUsableMemberAndRedirects() {
    JsonObject api = admin.json("/api/v1/route?listener=web&client=10.1.2.3&path=/api/v1/things&method=post");
    assertEquals("api", api.getString("policy"));
    assertEquals("REDIRECT_TO_POOL", api.getString("action"));
    assertEquals("down", api.getString("pool"));
    assertNull(api.getValue("member"));
    assertEquals("no_usable_member", api.getString("reason"));
    assertEquals(false, api.getJsonArray("members").getJsonObject(0).getBoolean("usable"));

    JsonObject moved = admin.json("/api/v1/route?listener=web&client=::1&host=Old.Example.com:8080");
    assertEquals("moved", moved.getString("policy"));
    assertEquals("REDIRECT_TO_URL", moved.getString("action"));
    assertEquals("redirect", moved.getString("reason"));
    assertEquals("https://example.com/new", moved.getString("location"));
    assertEquals(302, moved.getInteger("status_code"));
    assertNull(moved.getValue("member"));
  }

  @Test
  void routeRefusesAnUnknownListenerOrABadClient() {
    HttpResponse<String> unknown = admin.get("/api/v1/route?listener=nope&client=10.0.0.1");
    assertEquals(400, unknown.statusCode());
    assertEquals("unknown listener nope", new JsonObject(unknown.body()).getJsonArray("errors").getString(0));
    HttpResponse<String> bad = admin.get("/api/v1/route?listener=web&client=example.com");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("client must be an IP address"), bad.body());
    assertEquals(400, admin.get("/api/v1/route?client=10.0.0.1").statusCode());
    // a control character in a name or value is refused, not echoed (it would forge a log line)
    for (String query : new String[] {"header.X-A=%00", "cookie.GATEHOUSE_STICKY=%00", "header.%00=1",
        "header.X-A=a%0a2026-12-02T23:59:59Z%20SEVERE%20forged"}) {
      HttpResponse<String> control = admin.get("/api/v1/route?listener=web&client=10.0.0.1&" + query);
      assertEquals(400, control.statusCode(), query);
      assertFalse(control.body().contains("forged"), control.body());
    }
  }

  // --- reload ---

  @Test
  void reloadAnswersUnchangedThenRefusedWithTheErrorsEverywhere() throws Exception {
    HttpResponse<String> r = admin.post("/api/v1/reload");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(new JsonObject().put("version", 1).put("changed", false), new JsonObject(r.body()));
    String good = java.nio.file.Files.readString(gw.configFile());
    try {
      gw.rewrite(good.replaceFirst("\"protocol_port\":\\s*\\d+", "\"protocol_port\":99999"));
      HttpResponse<String> refused = admin.post("/api/v1/reload");
      assertEquals(400, refused.statusCode(), refused.body());
      String line = new JsonObject(refused.body()).getJsonArray("errors").getString(0);
      assertTrue(line.startsWith("config error: $.listeners[0].protocol_port: must be 1-65535"), line);
      JsonObject status = new JsonObject(admin.get("/api/v1/status").body());
      assertEquals(line, status.getJsonObject("config").getJsonArray("last_error").getString(0));
      assertEquals(1, status.getJsonObject("config").getInteger("version"));
      assertTrue(admin.get("/metrics").body().contains("gatehouse_config_reloads_total{result=\"refused\"} 1.0"));
    } finally {
      gw.rewrite(good);
      assertEquals(200, admin.post("/api/v1/reload").statusCode());
    }
  }
}
