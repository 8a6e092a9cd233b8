package io.gatehouse.listener;

import static io.gatehouse.listener.ForwardedHeadersTest.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.Configs;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code rewrite}, {@code request_headers} and {@code response_headers} through a real gateway: the member echoes
 * the request-target and the header lines it received, and answers with an {@code X-Member} header of its own.
 */
class RewriteTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member m;
  /** The gateway of the running test. */
  static GatewayHarness gw;

  @BeforeAll
  static void startMember() {
    m = gateway.backends().http("m", false, req -> {
      StringBuilder sb = new StringBuilder("uri: " + req.uri() + "\n");
      for (Map.Entry<String, String> h : req.headers()) {
        sb.append(h.getKey().toLowerCase(Locale.ROOT)).append(": ").append(h.getValue()).append('\n');
      }
      req.response().putHeader("X-Member", "m").putHeader("Server", "member/1.0").end(sb.toString());
    });
  }

  /** Listener {@code web} on a fresh port in front of pool {@code p} (member m), with {@code extra} fields. */
  static int start(String extra, String top) {
    return start(extra, top, Configs.members(m));
  }

  static int start(String extra, String top, String members) {
    int port = TestPorts.free();
    gw = gateway.start("{" + Configs.head() + top + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"%s}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, extra, members));
    return port;
  }

  static RawHttp.Response get(int port, String target, String... headers) {
    try (RawHttp raw = new RawHttp(port)) {
      return raw.send("GET " + target + " HTTP/1.1\r\nHost: public.example\r\n" + String.join("", headers)
          + "Connection: close\r\n\r\n").read();
    }
  }

  /** A policy on paths under /api/ whose regex swaps two segments, rewrites the host and adds a query. */
  private static final String API_POLICY = """
      ,"l7_policies":[{"name":"api","rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/api/"}],
        "action":"REDIRECT_TO_POOL","redirect_pool":"p",
        "rewrite":{"path":{"regex":"^/api/([^/]+)/(.*)$","replacement":"/v2/$2/$1"},"host":"internal.example",
                   "query":{"regex":"^$","replacement":"from=gw"}}}]
      """;

  @Test
  void aPolicysRegexWithGroupsHostAndQueryAreWhatTheMemberGetsAndTheLogShowsBothPaths() {
    int port = start(API_POLICY, "");
    RawHttp.Response r = get(port, "/api/users/42");
    assertEquals(200, r.status(), r.head());
    assertEquals(List.of("/v2/42/users?from=gw"), received(r.body(), "uri"), r.body());
    assertEquals(List.of("internal.example"), received(r.body(), "host"));
    assertEquals(List.of("public.example"), received(r.body(), "x-forwarded-host"), "the client's host");
    String line = gw.awaitAccessLog("path=/api/users/42 ");
    assertTrue(line.contains(" host=public.example ") && line.endsWith(" rewritten_uri=/v2/42/users?from=gw"), line);

    // a query that is there already is left alone by ^$; matching saw the path as sent, so /v2/ is not rewritten
    assertEquals(List.of("/v2/7/orders?page=2"), received(get(port, "/api/orders/7?page=2").body(), "uri"));
    RawHttp.Response plain = get(port, "/v2/x");
    assertEquals(List.of("/v2/x"), received(plain.body(), "uri"));
    assertEquals(List.of("public.example"), received(plain.body(), "host"));
    assertFalse(gw.awaitAccessLog("path=/v2/x ").contains("rewritten_uri"), "no rewrite, no second path");
  }

  @Test
  void aListenersPrefixRewriteIsTheDefaultAndAPolicyKeepsItsOwnParts() {
    int port = start(API_POLICY + """
        ,"rewrite":{"path":{"prefix":"/old/","replacement":"/new/"},"host":"listener.example"}
        """, "");
    assertEquals(List.of("/new/a/b?q=1"), received(get(port, "/old/a/b?q=1").body(), "uri"));
    assertEquals(List.of("/older/x"), received(get(port, "/older/x").body(), "uri"), "only a leading prefix");
    RawHttp.Response own = get(port, "/old/x");
    assertEquals(List.of("listener.example"), received(own.body(), "host"));
    RawHttp.Response api = get(port, "/api/a/b");
    assertEquals(List.of("/v2/b/a?from=gw"), received(api.body(), "uri"));
    assertEquals(List.of("internal.example"), received(api.body(), "host"), "the policy's host, over the listener's");
  }

  @Test
  void aRewriteThatMakesAnInvalidTargetIsAnswered500AndNeverReachesTheMember() {
    int port = start("""
        ,"rewrite":{"path":{"regex":"^/up/(.*)$","replacement":"/../$1"}},
        "l7_policies":[{"name":"dots","rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/dots/"}],
          "action":"REDIRECT_TO_POOL","redirect_pool":"p",
          "rewrite":{"path":{"regex":"^/dots/(.*)$","replacement":"/a/./b/..//$1"}}}]
        """, "");
    int before = m.hits.get();
    RawHttp.Response r = get(port, "/up/secret");
    assertEquals(500, r.status(), r.head());
    assertEquals(before, m.hits.get());
    assertTrue(gw.awaitAccessLog("path=/up/secret ").contains(" end=rewrite_invalid "));
    assertEquals(List.of("/a/x"), received(get(port, "/dots/x").body(), "uri"), "made normal again");
  }

  private static final String HEADERS = """
      ,"request_headers":{"set":{"X-Env":"prod","X-Team":"core"},"add":{"X-Via":"${listener} to ${member}"},
                          "remove":["X-Debug"]},
      "response_headers":{"set":{"X-Frame-Options":"DENY"},"add":{"X-Client":"${client_ip}","X-Rid":"${request_id}"},
                          "remove":["X-Member","Server"]},
      "l7_policies":[{"name":"canary","rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/canary"}],
        "action":"REDIRECT_TO_POOL","redirect_pool":"p",
        "request_headers":{"set":{"X-Env":"canary"},"remove":["X-Team"]},
        "response_headers":{"set":{"X-Frame-Options":"SAMEORIGIN"}}}]
      """;

  @Test
  void headerActionsOnTheRequestAndTheResponseWithVariables() {
    int port = start(HEADERS, "");
    RawHttp.Response r = get(port, "/x", "X-Debug: 1\r\nX-Env: client\r\nX-Via: client-proxy\r\n");
    assertEquals(200, r.status(), r.head());
    assertEquals(List.of("prod"), received(r.body(), "x-env"), "set replaces the client's");
    assertEquals(List.of("core"), received(r.body(), "x-team"));
    assertEquals(List.of("client-proxy", "web to 127.0.0.1:" + m.port()), received(r.body(), "x-via"), "add adds");
    assertEquals(List.of(), received(r.body(), "x-debug"));
    assertEquals("DENY", r.header("X-Frame-Options"), r.head());
    assertNull(r.header("X-Member"), r.head());
    assertNull(r.header("Server"), r.head());
    assertEquals("127.0.0.1", r.header("X-Client"));
    String id = r.header("X-Request-Id");
    assertTrue(id != null && id.matches("[0-9a-f]{32}") && id.equals(r.header("X-Rid")), r.head());
  }

  @Test
  void aRetryOnAnotherMemberGetsItsOwnMemberAndNoLineOfTheFailedAttempt() {
    // a member that closes the connection on every request: a GET it took is sent again to m
    Member closer = gateway.backends().http("closer", false, req -> req.connection().close());
    int port = start(HEADERS, "", Configs.members(closer, m));
    for (int i = 0; i < 4; i++) {
      RawHttp.Response r = get(port, "/retry" + i);
      assertEquals(200, r.status(), r.head());
      assertEquals(List.of("web to 127.0.0.1:" + m.port()), received(r.body(), "x-via"), r.body());
      assertEquals(List.of("prod"), received(r.body(), "x-env"));
    }
    assertTrue(closer.hits.get() >= 1, "some requests went to the closer first");
  }

  @Test
  void aPolicysActionsReplaceTheListenersForTheHeadersTheyNameOnly() {
    int port = start(HEADERS, "");
    RawHttp.Response r = get(port, "/canary/x", "X-Team: client\r\n");
    assertEquals(List.of("canary"), received(r.body(), "x-env"), "the policy's, not the listener's as well");
    assertEquals(List.of(), received(r.body(), "x-team"), "the policy's remove, over the listener's set");
    assertEquals(List.of("web to 127.0.0.1:" + m.port()), received(r.body(), "x-via"), "the listener's");
    assertEquals("SAMEORIGIN", r.header("X-Frame-Options"), r.head());
    assertNull(r.header("X-Member"), "the listener's remove still holds: the policy names other headers");
  }

  @Test
  void anH2ClientGetsTheSameRewriteAndHeaders() {
    // spaces and tabs around a configured value are not part of it: an HTTP/2 peer could not be sent them
    int port = start(",\"http2_enable\":true" + API_POLICY + """
        ,"request_headers":{"set":{"X-Env":" h2\\t"}},"response_headers":{"set":{"X-Frame-Options":"DENY "}}
        """, "");
    HttpClient client = gateway.backends().vertx().createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      HttpClientResponse[] resp = new HttpClientResponse[1];
      String body = Sync.await(client.request(new RequestOptions().setHost("127.0.0.1").setPort(port)
          .setURI("/api/users/42")).compose(req -> req.send()).compose(x -> {
            resp[0] = x;
            return x.body();
          })).toString();
      assertEquals(HttpVersion.HTTP_2, resp[0].version());
      assertEquals(List.of("/v2/42/users?from=gw"), received(body, "uri"), body);
      assertEquals(List.of("internal.example"), received(body, "host"));
      assertEquals(List.of("h2"), received(body, "x-env"));
      // a GET whose HEADERS ended the stream has no body: not chunked to the member (and may be sent again)
      assertEquals(List.of(), received(body, "transfer-encoding"));
      assertEquals("DENY", resp[0].getHeader("x-frame-options"));
      String line = gw.awaitAccessLog("path=/api/users/42 ");
      assertTrue(line.contains(" http_version=h2 ") && line.endsWith(" rewritten_uri=/v2/42/users?from=gw"), line);
    } finally {
      Sync.await(client.close());
    }
  }

  @Test
  void theJsonAccessLogNamesTheRewrittenTargetToo() {
    int port = start(API_POLICY, "\"log\":{\"access_format\":\"json\"},");
    assertEquals(200, get(port, "/api/a/b").status());
    String line = gw.awaitAccessLog("\"path\":\"/api/a/b\"");
    assertTrue(line.contains("\"rewritten_uri\":\"/v2/b/a?from=gw\""), line);
  }
}
