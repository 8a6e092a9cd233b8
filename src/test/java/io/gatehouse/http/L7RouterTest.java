package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.InsertHeaders;
import io.gatehouse.config.L7Policy;
import io.gatehouse.config.L7Policy.Action;
import io.gatehouse.config.L7Rule;
import io.gatehouse.config.L7Rule.CompareType;
import io.gatehouse.config.L7Rule.Type;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class L7RouterTest {

  /** A request as the listener adapts it: lower-case host, upper-case method, headers by lower-case name. */
  record Req(String method, String host, String path, String query, Map<String, String> headers)
      implements RequestView {
    static Req get(String host, String path, String query) {
      return new Req("GET", host, path, query, Map.of());
    }

    @Override
    public String header(String name) {
      return headers.get(name.toLowerCase());
    }
  }

  private static final RouteDecision DEFAULT = new RouteDecision.ToPool(null, "default-pool");

  private static L7Rule rule(Type type, CompareType compare, String key, String value) {
    return new L7Rule(type, compare, key, value);
  }

  private static L7Policy toPool(String name, int position, String pool, L7Rule... rules) {
    return new L7Policy(name, position, List.of(rules), Action.REDIRECT_TO_POOL, pool, null, null, 0, null, null);
  }

  private static ListenerConfig listener(String name, ListenerProtocol protocol, int port, L7Policy... policies) {
    Duration minute = Duration.ofMinutes(1);
    return new ListenerConfig(name, protocol, "0.0.0.0", port, "default-pool", -1, minute, minute, minute,
        InsertHeaders.DEFAULTS, null, false, null, List.of(policies), false, -1, List.of(), -1, null,
        io.gatehouse.config.HeadLimits.DEFAULTS, List.of(), io.gatehouse.config.PathRules.DEFAULTS);
  }

  private static L7Router router(L7Policy... policies) {
    ListenerConfig web = listener("web", ListenerProtocol.HTTP, 8080, policies);
    return L7Router.compile(web, config(web));
  }

  private static GatehouseConfig config(ListenerConfig... listeners) {
    return new GatehouseConfig(new GatehouseConfig.NodeConfig("n", 1), new GatehouseConfig.AdminConfig("127.0.0.1", 0, null, null),
        new GatehouseConfig.ClusterConfig(false, null), new GatehouseConfig.ReloadConfig(0), Duration.ofSeconds(1), false,
        Arrays.asList(listeners), List.of());
  }

  /** Whether a single rule routes {@code request} to its pool. */
  private static boolean matches(L7Rule rule, RequestView request) {
    return router(toPool("p", 1, "hit", rule)).route(request) instanceof RouteDecision.ToPool p
        && "hit".equals(p.pool());
  }

  @ParameterizedTest(name = "HOST_NAME {0} {1} vs {2} -> {3}")
  @CsvSource({
      "EQUAL_TO, api.example.com, api.example.com, true",
      "EQUAL_TO, API.Example.COM, api.example.com, true",
      "EQUAL_TO, api.example.com, api.example.co, false",
      "EQUAL_TO, api.example.com, api.example.com.evil, false",
      "STARTS_WITH, API., api.example.com, true",
      "STARTS_WITH, www., api.example.com, false",
      "REGEX, EXAMPLE\\.com, api.example.com, true",
      "REGEX, ^example, api.example.com, false",
      "REGEX, \\.com$, api.example.com, true",
  })
  void hostName(CompareType compare, String value, String host, boolean expected) {
    assertEquals(expected, matches(rule(Type.HOST_NAME, compare, null, value), Req.get(host, "/", null)));
  }

  @ParameterizedTest(name = "PATH {0} {1} vs {2} -> {3}")
  @CsvSource({
      "EQUAL_TO, /v1/users, /v1/users, true",
      "EQUAL_TO, /v1/users, /v1/Users, false",
      "EQUAL_TO, /v1/users, /v1/users/, false",
      "STARTS_WITH, /v1/, /v1/users, true",
      "STARTS_WITH, /V1/, /v1/users, false",
      "STARTS_WITH, /v1/users/long, /v1/users, false",
      "REGEX, users, /v1/users/7, true",
      "REGEX, ^/v[0-9]+/users$, /v12/users, true",
      "REGEX, ^/v[0-9]+/users$, /v12/users/7, false",
      "REGEX, Users, /v1/users, false",
  })
  void path(CompareType compare, String value, String path, boolean expected) {
    assertEquals(expected, matches(rule(Type.PATH, compare, null, value), Req.get("h", path, null)));
  }

  @ParameterizedTest(name = "METHOD {0} {1} vs {2} -> {3}")
  @CsvSource({
      "EQUAL_TO, POST, POST, true",
      "EQUAL_TO, post, POST, true",
      "EQUAL_TO, POST, GET, false",
      "STARTS_WITH, PO, POST, true",
      "STARTS_WITH, pu, PUT, true",
      "STARTS_WITH, PO, PUT, false",
      "REGEX, ^(put|patch)$, PATCH, true",
      "REGEX, ^(PUT|PATCH)$, POST, false",
  })
  void method(CompareType compare, String value, String method, boolean expected) {
    Req request = new Req(method, "h", "/", null, Map.of());
    assertEquals(expected, matches(rule(Type.METHOD, compare, null, value), request));
  }

  @ParameterizedTest(name = "HEADER {0} {1} vs {2} -> {3}")
  @CsvSource({
      "EQUAL_TO, canary, canary, true",
      "EQUAL_TO, canary, Canary, false",
      "EQUAL_TO, canary, canary2, false",
      "STARTS_WITH, can, canary, true",
      "STARTS_WITH, Can, canary, false",
      "REGEX, nar, canary, true",
      "REGEX, ^nar, canary, false",
  })
  void header(CompareType compare, String value, String headerValue, boolean expected) {
    Req request = new Req("GET", "h", "/", null, Map.of("x-release", headerValue));
    assertEquals(expected, matches(rule(Type.HEADER, compare, "X-Release", value), request));
  }

  @ParameterizedTest(name = "QUERY_STRING {0} {1} vs {2} -> {3}")
  @CsvSource(delimiter = '|', value = {
      "EQUAL_TO | beta | lang=en&channel=beta | true",
      "EQUAL_TO | beta | channel=beta&channel=stable | true",
      "EQUAL_TO | stable | channel=beta&channel=stable | false",
      "EQUAL_TO | beta | xchannel=beta | false",
      "EQUAL_TO | beta | channelx=beta | false",
      "EQUAL_TO | beta | channel=Beta | false",
      "EQUAL_TO | a b/c | channel=a+b%2Fc | true",
      "EQUAL_TO | a b/c | channel=a%20b%2fc | true",
      "EQUAL_TO | café | channel=caf%C3%A9 | true",
      "EQUAL_TO | 100%zz | channel=100%zz | true",
      "EQUAL_TO | 50% | channel=50% | true",
      "EQUAL_TO | '' | channel= | true",
      "EQUAL_TO | '' | a=1&channel&b=2 | true",
      "STARTS_WITH | be | channel=beta | true",
      "STARTS_WITH | et | channel=beta | false",
      "REGEX | et | channel=beta | true",
      "REGEX | ^b.*a$ | x=1&channel=beta | true",
      "REGEX | ^et | channel=beta | false",
  })
  void queryString(CompareType compare, String value, String query, boolean expected) {
    assertEquals(expected, matches(rule(Type.QUERY_STRING, compare, "channel", value), Req.get("h", "/", query)));
  }

  @Test
  void missingHeaderOrParameterNeverMatchesWhateverTheCompare() {
    for (CompareType compare : CompareType.values()) {
      Req bare = Req.get("h", "/", null);
      assertEquals(false, matches(rule(Type.HEADER, compare, "X-Release", ""), bare), compare + " header");
      assertEquals(false, matches(rule(Type.QUERY_STRING, compare, "channel", ""), bare), compare + " no query");
      assertEquals(false, matches(rule(Type.QUERY_STRING, compare, "channel", ""), Req.get("h", "/", "other=1")),
          compare + " other param");
    }
    assertEquals(false, matches(rule(Type.QUERY_STRING, CompareType.REGEX, "channel", ".*"), Req.get("h", "/", "")));
  }

  @Test
  void everyRuleOfAPolicyMustMatch() {
    L7Router router = router(toPool("api", 1, "api-pool",
        rule(Type.HOST_NAME, CompareType.EQUAL_TO, null, "api.example.com"),
        rule(Type.PATH, CompareType.STARTS_WITH, null, "/v1/")));
    assertEquals(new RouteDecision.ToPool("api", "api-pool"), router.route(Req.get("api.example.com", "/v1/x", null)));
    assertEquals(DEFAULT, router.route(Req.get("api.example.com", "/v2/x", null)));
    assertEquals(DEFAULT, router.route(Req.get("www.example.com", "/v1/x", null)));
  }

  @Test
  void firstMatchingPolicyByPositionWins() {
    L7Router router = router(
        toPool("narrow", 1, "narrow-pool", rule(Type.PATH, CompareType.STARTS_WITH, null, "/v1/admin")),
        toPool("wide", 2, "wide-pool", rule(Type.PATH, CompareType.STARTS_WITH, null, "/v1/")),
        toPool("shadowed", 3, "never-pool", rule(Type.PATH, CompareType.STARTS_WITH, null, "/v1/admin")));
    assertEquals(new RouteDecision.ToPool("narrow", "narrow-pool"), router.route(Req.get("h", "/v1/admin/x", null)));
    assertEquals(new RouteDecision.ToPool("wide", "wide-pool"), router.route(Req.get("h", "/v1/other", null)));
  }

  @Test
  void noPolicyOrNoMatchGoesToTheDefaultPool() {
    assertEquals(DEFAULT, router().route(Req.get("h", "/", null)));
    L7Router router = router(toPool("p", 1, "x", rule(Type.PATH, CompareType.EQUAL_TO, null, "/only")));
    assertSame(router.route(Req.get("h", "/a", null)), router.route(Req.get("h", "/b", null)),
        "the default decision is built once");
  }

  @Test
  void redirectToUrlAnswersExactlyTheConfiguredLocationAndStatus() {
    L7Policy moved = new L7Policy("moved", 1, List.of(rule(Type.PATH, CompareType.STARTS_WITH, null, "/old")),
        Action.REDIRECT_TO_URL, null, "https://new.example.com/landing?from=old", null, 308, null, null);
    assertEquals(new RouteDecision.Redirect("moved", 308, "https://new.example.com/landing?from=old"),
        router(moved).route(Req.get("h", "/old/page", "a=1")));
  }

  @Test
  void fixedResponseAnswersStatusContentTypeAndBody() {
    L7Policy fixed = new L7Policy("maint", 1, List.of(rule(Type.METHOD, CompareType.EQUAL_TO, null, "DELETE")),
        Action.FIXED_RESPONSE, null, null, null, 503, "text/plain", "down for maintenance");
    Req delete = new Req("DELETE", "h", "/x", null, Map.of());
    assertEquals(new RouteDecision.Fixed("maint", 503, "text/plain", "down for maintenance"),
        router(fixed).route(delete));
  }

  /** Location of a REDIRECT_TO_LISTENER from listener web to a target listener of the given protocol and port. */
  private static RouteDecision toListener(ListenerProtocol protocol, int port, int status, RequestView request) {
    L7Policy policy = new L7Policy("secure", 1, List.of(), Action.REDIRECT_TO_LISTENER, null, null, "target",
        status, null, null);
    ListenerConfig web = listener("web", ListenerProtocol.HTTP, 8080, policy);
    ListenerConfig target = listener("target", protocol, port);
    return L7Router.compile(web, config(web, target)).route(request);
  }

  @ParameterizedTest(name = "{0}:{1} host {3} -> {5}")
  @CsvSource(delimiter = '|', value = {
      "HTTPS | 8443 | 301 | www.example.com | /a/b | https://www.example.com:8443/a/b",
      "HTTPS | 443 | 301 | www.example.com | /a/b | https://www.example.com/a/b",
      "HTTP | 80 | 302 | www.example.com | /a | http://www.example.com/a",
      "HTTP | 8081 | 308 | www.example.com | /a | http://www.example.com:8081/a",
      "HTTP | 443 | 301 | h | /a | http://h:443/a",
      "HTTPS | 80 | 301 | h | /a | https://h:80/a",
      "HTTPS | 8443 | 301 | 2001:db8::1 | /x | https://[2001:db8::1]:8443/x",
      "HTTPS | 443 | 301 | [::1] | /x | https://[::1]/x",
      "HTTPS | 443 | 301 | 10.0.0.1 | '' | https://10.0.0.1/",
  })
  void redirectToListenerKeepsHostAndPathWithTheTargetSchemeAndPort(
      ListenerProtocol protocol, int port, int status, String host, String path, String location) {
    assertEquals(new RouteDecision.Redirect("secure", status, location),
        toListener(protocol, port, status, Req.get(host, path, null)));
  }

  @Test
  void redirectToListenerKeepsTheQueryAsSent() {
    assertEquals("https://shop.example.com:8443/cart?id=7&x=a%20b",
        ((RouteDecision.Redirect) toListener(ListenerProtocol.HTTPS, 8443, 301,
            Req.get("shop.example.com", "/cart", "id=7&x=a%20b"))).location());
    assertEquals("https://shop.example.com/cart?",
        ((RouteDecision.Redirect) toListener(ListenerProtocol.HTTPS, 443, 301,
            Req.get("shop.example.com", "/cart", ""))).location(), "an empty query is kept as sent");
  }

  @Test
  void regexMatchersAreSafeAcrossThreads() throws Exception {
    L7Router router = router(toPool("re", 1, "re-pool", rule(Type.PATH, CompareType.REGEX, null, "^/item/[0-9]+$")));
    Thread[] threads = new Thread[4];
    boolean[] failed = new boolean[threads.length];
    for (int t = 0; t < threads.length; t++) {
      int id = t;
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 20_000; i++) {
          boolean hit = (i + id) % 2 == 0;
          RouteDecision d = router.route(Req.get("h", hit ? "/item/" + i : "/item/x" + i, null));
          if (hit != d.equals(new RouteDecision.ToPool("re", "re-pool"))) {
            failed[id] = true;
          }
        }
      });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    for (boolean f : failed) {
      assertEquals(false, f);
    }
  }
}
