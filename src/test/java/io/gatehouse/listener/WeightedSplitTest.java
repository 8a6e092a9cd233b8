package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.Concurrently;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.TlsClients;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Weighted splits between pools end to end: real HTTP clients (HTTP/1.1 and h2), the gateway, members of two
 * versions of an application; the route API's {@code pool_reason}. Members of pool v1 are called {@code v1-*},
 * of v2 {@code v2-*}.
 */
class WeightedSplitTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member v1a;
  static Member v1b;
  static Member v2a;
  static Member v2b;
  static Member v3;
  GatewayHarness gw;
  int port;
  int tlsPort;
  int plainPort;

  @BeforeAll
  static void startMembers() {
    v1a = gateway.backends().http("v1-a");
    v1b = gateway.backends().http("v1-b");
    v2a = gateway.backends().http("v2-a");
    v2b = gateway.backends().http("v2-b");
    v3 = gateway.backends().http("v3-a");
  }

  /** Listener web (HTTP) and secure (HTTPS, h2) on {@code listenerFields}; pools v1, v2, v3 with {@code poolFields}. */
  String config(String listenerFields, String poolFields) {
    return "{" + head() + """
        "listeners":[
          {"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,%s},
          {"name":"secure","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"http2_enable":true,
           "tls":{"certificate":"%s","private_key":"%s"},%s},
          {"name":"plain","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"v3"}],
        "pools":[
          {"name":"v1","protocol":"HTTP"%s,"members":%s},
          {"name":"v2","protocol":"HTTP"%s,"members":%s},
          {"name":"v3","protocol":"HTTP","members":%s}]}
        """.formatted(port, listenerFields, tlsPort, TestCerts.RSA_CERT, TestCerts.RSA_KEY, listenerFields,
        plainPort, poolFields, members(v1a, v1b), poolFields, members(v2a, v2b), members(v3));
  }

  void start(String listenerFields, String poolFields) {
    port = TestPorts.free();
    tlsPort = TestPorts.free();
    plainPort = TestPorts.free();
    gw = gateway.start(config(listenerFields, poolFields));
  }

  static HttpClient client() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  HttpResponse<String> get(HttpClient client, String path, String cookie) {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
    if (cookie != null) {
      r.header("Cookie", cookie);
    }
    try {
      return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String member(HttpResponse<?> r) {
    return r.headers().firstValue("X-Member").orElseThrow();
  }

  static String pool(HttpResponse<?> r) {
    return member(r).substring(0, 2);
  }

  /** The {@code GATEHOUSE_POOL=...} pair a response sets, or null. */
  static String poolCookie(HttpResponse<?> r) {
    return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("GATEHOUSE_POOL="))
        .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElse(null);
  }

  JsonObject route(String listener, String more) {
    return new JsonObject(gw.admin("/api/v1/route?listener=" + listener + "&client=127.0.0.1" + more));
  }

  static String cookieParam(String pair) {
    int eq = pair.indexOf('=');
    return "&cookie." + pair.substring(0, eq) + "=" + URLEncoder.encode(pair.substring(eq + 1), StandardCharsets.UTF_8);
  }

  static final String SPLIT_95_5 = "\"default_pools\":[{\"pool\":\"v1\",\"weight\":95},{\"pool\":\"v2\",\"weight\":5}]";

  @Test
  void aThousandConcurrentRequestsSplitWithinTwoPercentOfTheWeights() throws Exception {
    start(SPLIT_95_5, "");
    Map<String, AtomicInteger> perPool = new ConcurrentHashMap<>();
    Concurrently.run(4, t -> {
      HttpClient client = client();
      for (int i = 0; i < 250; i++) {
        HttpResponse<String> r = get(client, "/", null);
        assertEquals(200, r.statusCode());
        perPool.computeIfAbsent(pool(r), k -> new AtomicInteger()).incrementAndGet();
      }
    });
    int v2 = perPool.getOrDefault("v2", new AtomicInteger()).get();
    assertEquals(1000, perPool.get("v1").get() + v2);
    assertTrue(Math.abs(v2 - 50) <= 20, "v2 took " + v2 + " of 1000, want 5 % +- 2 %");
    assertEquals(50, v2, "whole cycles of one shared rotation: exactly 5 %");
  }

  @Test
  void sequentialRequestsFollowTheSmoothOrderOfTheListenerAndOfAPolicy() {
    start(SPLIT_95_5 + """
        ,"l7_policies":[{"name":"canary","action":"REDIRECT_TO_POOL",
          "redirect_pools":[{"pool":"v1","weight":3},{"pool":"v2","weight":1}],
          "rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/api/"}]}]""", "");
    HttpClient client = client();
    List<String> api = new ArrayList<>();
    List<String> site = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      api.add(pool(get(client, "/api/x", null)));
      site.add(pool(get(client, "/", null)));
    }
    assertEquals(List.of("v1", "v1", "v2", "v1", "v1", "v1", "v2", "v1", "v1", "v1", "v2", "v1", "v1", "v1", "v2",
        "v1", "v1", "v1", "v2", "v1"), api, "3:1, each policy its own rotation");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add(i == 10 ? "v2" : "v1");
    }
    assertEquals(expected, site, "95:5 is 19:1: ten v1, the canary, nine v1");
    assertNull(poolCookie(get(client, "/", null)), "no cookie without split_sticky");
  }

  @Test
  void aClientWithAStickySessionKeepsItsPoolAndMember() {
    start("\"default_pools\":[{\"pool\":\"v1\"},{\"pool\":\"v2\"}]",
        ",\"session_persistence\":{\"type\":\"HTTP_COOKIE\"}");
    HttpClient client = client();
    HttpResponse<String> second = null;
    for (int i = 0; i < 2; i++) {
      second = get(client, "/", null); // the second new client of a 1:1 split: v2
    }
    String owner = member(second);
    assertTrue(owner.startsWith("v2"), owner);
    String cookie = second.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    assertTrue(cookie.startsWith("GATEHOUSE_STICKY="), cookie);
    for (int i = 0; i < 8; i++) {
      assertEquals(owner, member(get(client(), "/", cookie)), "the split's rotation moves on, the session stays");
    }
    JsonObject r = route("web", cookieParam(cookie));
    assertEquals("v2", r.getString("pool"));
    assertEquals("sticky", r.getString("pool_reason"));
    assertEquals("cookie", r.getString("reason"));
  }

  @Test
  void splitStickyKeepsThePoolAcrossRequestsAndConnectionsAndReplacesAForgedCookie() {
    start("\"default_pools\":[{\"pool\":\"v1\"},{\"pool\":\"v2\"}],"
        + "\"split_sticky\":{\"enable\":true,\"duration\":3600}", "");
    HttpClient first = client();
    get(first, "/", null); // v1
    HttpResponse<String> onV2 = get(first, "/", null);
    assertEquals("v2", pool(onV2));
    String set = onV2.headers().allValues("Set-Cookie").get(0);
    assertTrue(set.startsWith("GATEHOUSE_POOL=") && set.contains("; Path=/") && set.contains("; Max-Age=3600")
        && set.contains("; HttpOnly") && !set.contains("Secure"), set);
    String cookie = poolCookie(onV2);
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = get(client(), "/", "theme=dark; " + cookie); // a new connection each time
      assertEquals("v2", pool(r));
      assertNull(poolCookie(r), "an honoured cookie is not set again");
    }
    String value = cookie.substring("GATEHOUSE_POOL=".length());
    String forged = "GATEHOUSE_POOL=" + java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("v1".getBytes(StandardCharsets.UTF_8)) + value.substring(value.indexOf('.'));
    HttpResponse<String> refused = get(client(), "/", forged);
    String replaced = poolCookie(refused);
    assertTrue(replaced != null && !replaced.equals(forged), "a forged cookie is ignored and replaced");
    assertEquals("split_sticky", route("web", cookieParam(replaced)).getString("pool_reason"));
    assertEquals("weighted", route("web", cookieParam(forged)).getString("pool_reason"));
    assertEquals("weighted", route("web", cookieParam("GATEHOUSE_POOL=v2")).getString("pool_reason"));
  }

  @Test
  void splitStickyEndsAfterItsDuration() {
    start("\"default_pools\":[{\"pool\":\"v1\"},{\"pool\":\"v2\"}],\"split_sticky\":{\"enable\":true,\"duration\":1}",
        "");
    HttpClient client = client();
    long before = System.nanoTime(); // the cookie is issued after this
    HttpResponse<String> r = get(client, "/", null);
    String cookie = poolCookie(r);
    assertTrue(r.headers().firstValue("Set-Cookie").orElseThrow().contains("; Max-Age=1;"));
    HttpResponse<String> kept = get(client, "/", cookie);
    if (System.nanoTime() - before < 900_000_000L) { // a slow machine may already be past the second
      assertEquals(pool(r), pool(kept));
      assertNull(poolCookie(kept));
    }
    Await.until(Duration.ofSeconds(5), () -> poolCookie(get(client, "/", cookie)) != null,
        "an expired cookie is split again and replaced");
    assertTrue(System.nanoTime() - before >= 950_000_000L, "honoured for its whole second");
  }

  @Test
  void h2OverHttpsKeepsThePoolWithASecureCookie() throws Exception {
    start("\"default_pools\":[{\"pool\":\"v1\"},{\"pool\":\"v2\"}],\"split_sticky\":{\"enable\":true}", "");
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
        .sslContext(TlsClients.context(null, null)).connectTimeout(Duration.ofSeconds(5)).build();
    URI uri = URI.create("https://localhost:" + tlsPort + "/");
    HttpResponse<String> first = h2.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpClient.Version.HTTP_2, first.version());
    String set = first.headers().allValues("Set-Cookie").get(0);
    assertTrue(set.startsWith("GATEHOUSE_POOL=") && set.contains("; Secure") && set.contains("; Max-Age=3600"), set);
    String cookie = poolCookie(first);
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = h2.send(HttpRequest.newBuilder(uri).header("Cookie", cookie).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(pool(first), pool(r));
      assertNull(poolCookie(r));
    }
    get(client(), "/", null);
    HttpResponse<String> plain = get(client(), "/", cookie);
    assertEquals(pool(first), pool(plain), "one cookie for every listener of the host");
  }

  @Test
  void aReloadAppliesNewWeightsAndSplitsAgainTheClientsOfARemovedPool() {
    String sticky = ",\"split_sticky\":{\"enable\":true}";
    start("\"default_pools\":[{\"pool\":\"v1\"},{\"pool\":\"v2\"}]" + sticky, "");
    HttpClient client = client();
    get(client, "/", null);
    HttpResponse<String> onV2 = get(client, "/", null);
    assertEquals("v2", pool(onV2));
    String cookie = poolCookie(onV2);
    String next = config("\"default_pools\":[{\"pool\":\"v1\",\"weight\":0},{\"pool\":\"v3\",\"weight\":1}]" + sticky,
        "").replace("{\"name\":\"v2\",", "{\"name\":\"v2-renamed\",");
    assertFalse(next.contains("\"v2\""), next);
    gw.rewrite(next);
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    for (int i = 0; i < 5; i++) {
      assertEquals("v3", pool(get(client, "/", null)), "weight 0 takes no new client");
    }
    HttpResponse<String> moved = get(client, "/", cookie);
    assertEquals("v3", pool(moved), "v2 left the split: its client is split again");
    assertNotEquals(cookie, poolCookie(moved));
    assertFalse(poolCookie(moved) == null);
  }

  @Test
  void reloadsThatLeaveTheSplitAsItWasKeepItsRotation() {
    start(SPLIT_95_5, "");
    HttpClient client = client();
    List<String> pools = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      for (int j = 0; j < 4; j++) {
        pools.add(pool(get(client, "/", null)));
      }
      // an automation that reloads often, here for another pool's weight: the canary's turn must still come
      gw.rewrite(config(SPLIT_95_5, "").replace(members(v3),
          io.gatehouse.testkit.Configs.weighted(new Member[] {v3}, 2 + i % 2)));
      assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    }
    assertEquals(2, pools.stream().filter("v2"::equals).count(), "two whole 19:1 cycles in 40: " + pools);
    assertEquals("v2", pools.get(10), "the 11th pick, as without reloads");
    // new weights start the new split at the head of its cycle
    gw.rewrite(config("\"default_pools\":[{\"pool\":\"v1\",\"weight\":1},{\"pool\":\"v2\",\"weight\":1}]", ""));
    assertTrue(Sync.await(gw.gateway().runtime().reload()).changed());
    assertEquals("v1", pool(get(client, "/", null)));
    assertEquals("v2", pool(get(client, "/", null)));
  }

  @Test
  void theRouteApiSaysWhyEachPool() {
    start("\"default_pools\":[{\"pool\":\"v1\"},{\"pool\":\"v2\"}],\"split_sticky\":{\"enable\":true}",
        ",\"session_persistence\":{\"type\":\"SOURCE_IP\"}");
    assertEquals("single", route("plain", "").getString("pool_reason"));
    assertEquals("v3", route("plain", "").getString("pool"));
    JsonObject weighted = route("web", "");
    assertEquals("weighted", weighted.getString("pool_reason"));
    assertEquals("v1", weighted.getString("pool"), "the head of the rotation, not moved by the preview");
    assertEquals("v1", route("web", "").getString("pool"));
    HttpResponse<String> r = get(client(), "/", null); // records 127.0.0.1's entry in v1
    assertEquals("v1", pool(r));
    JsonObject sticky = route("web", "");
    assertEquals("sticky", sticky.getString("pool_reason"));
    assertEquals("v1", sticky.getString("pool"));
    assertEquals("sticky", sticky.getString("reason"));
    assertEquals("weighted", new JsonObject(gw.admin("/api/v1/route?listener=web&client=10.9.9.9"))
        .getString("pool_reason"), "another client has no session");
    JsonObject bySplitCookie = new JsonObject(gw.admin("/api/v1/route?listener=web&client=10.9.9.9"
        + cookieParam(poolCookie(r))));
    assertEquals("split_sticky", bySplitCookie.getString("pool_reason"));
    assertEquals("v1", bySplitCookie.getString("pool"));
    JsonObject described = new JsonObject(gw.admin("/api/v1/openapi.json")).getJsonObject("components")
        .getJsonObject("schemas").getJsonObject("RouteAnswer");
    assertTrue(described.getJsonObject("properties").containsKey("pool_reason"), "the OpenAPI description says it");
    assertTrue(described.getJsonArray("required").contains("pool_reason"));
  }
}
