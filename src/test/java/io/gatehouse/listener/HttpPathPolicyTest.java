package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawH2;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a policy matches is what the member gets: PATH rules for {@code /admin} see the normal path whatever the
 * spelling (escapes, dot segments, repeated slashes), over HTTP/1.1, h2c and h2, and the member receives that same
 * path with the query as sent. The members record the request-target they were sent.
 */
class HttpPathPolicyTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static final BlockingQueue<String> seenByDefault = new LinkedBlockingQueue<>();
  static final BlockingQueue<String> seenByAdmin = new LinkedBlockingQueue<>();
  static GatewayHarness gw;
  static Member defaultMember;
  /** web: /admin to the admin pool (h2c on); guarded: /admin answered 403; raw: no merging, escaped slashes kept. */
  static int web;
  static int guarded;
  static int raw;
  static int secure;

  @BeforeAll
  static void start() {
    Member a = recording("default", seenByDefault);
    defaultMember = a;
    Member b = recording("admin", seenByAdmin);
    web = TestPorts.free();
    guarded = TestPorts.free();
    raw = TestPorts.free();
    secure = TestPorts.free();
    String toAdmin = """
        "l7_policies":[{"name":"admin","position":1,"action":"REDIRECT_TO_POOL","redirect_pool":"admin-pool",
                        "rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/admin"}]},
                       {"name":"example","position":2,"action":"FIXED_RESPONSE","status_code":200,"body":"example",
                        "rules":[{"type":"HOST_NAME","compare_type":"EQUAL_TO","value":"example.com"}]}]""";
    gw = gateway.startForClass("{" + head() + """
        "listeners":[
          {"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "http2_enable":true,%s},
          {"name":"guarded","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "l7_policies":[{"name":"deny","position":1,"action":"FIXED_RESPONSE","status_code":403,"body":"no",
                           "rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/admin"}]}]},
          {"name":"raw","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "merge_slashes":false,"escaped_slashes":"keep",%s},
          {"name":"secure","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "http2_enable":true,"tls":{"certificate":"%s","private_key":"%s"},%s}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s},
                 {"name":"admin-pool","protocol":"HTTP","members":%s}]}
        """.formatted(web, toAdmin, guarded, raw, toAdmin, secure, TestCerts.RSA_CERT, TestCerts.RSA_KEY, toAdmin,
        members(a), members(b)));
  }

  private static Member recording(String name, BlockingQueue<String> seen) {
    return gateway.backends().http(name, false, req -> {
      seen.add(req.uri());
      req.response().end(name);
    });
  }

  @BeforeEach
  void forget() {
    seenByDefault.clear();
    seenByAdmin.clear();
  }

  /** Each spelling of /admin a member reads as /admin, and the normal path the member gets. */
  static Stream<Arguments> bypasses() {
    return Stream.of(
        Arguments.of("/%61dmin", "/admin"),
        Arguments.of("//admin", "/admin"),
        Arguments.of("/./admin", "/admin"),
        Arguments.of("/x/../admin", "/admin"),
        Arguments.of("/%2e/admin", "/admin"),
        Arguments.of("/x/%2E%2e/%61dmin//users/./", "/admin/users/"),
        Arguments.of("/x/../admin?q=%2e/../&r=%61", "/admin?q=%2e/../&r=%61"),
        Arguments.of("http://x/x/../admin?q=1", "/admin?q=1"));
  }

  @ParameterizedTest(name = "HTTP/1.1 {0}")
  @MethodSource("bypasses")
  void http1BypassFormsGoToTheAdminPoolAsTheNormalPath(String target, String memberGets) {
    try (RawHttp client = new RawHttp(web)) {
      RawHttp.Response r = client.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(200, r.status(), r.head());
      assertEquals("admin", r.body());
    }
    assertEquals(List.of(memberGets), List.copyOf(seenByAdmin));
    assertTrue(seenByDefault.isEmpty(), seenByDefault::toString);
  }

  @ParameterizedTest(name = "h2c {0}")
  @MethodSource("bypasses")
  void h2cBypassFormsGoToTheAdminPoolAsTheNormalPath(String target, String memberGets) throws IOException {
    if (!target.startsWith("/")) {
      return; // :path has no absolute form
    }
    try (RawH2 h2 = RawH2.h2c(web)) {
      assertEquals(200, h2.get(1, target).flush().status(1));
    }
    assertEquals(List.of(memberGets), List.copyOf(seenByAdmin));
    assertTrue(seenByDefault.isEmpty(), seenByDefault::toString);
  }

  @Test
  void h2OverTlsMatchesAndForwardsTheNormalPathToo() throws IOException {
    try (RawH2 h2 = RawH2.h2(secure)) {
      assertEquals(200, h2.get(1, "/x/../%61dmin").flush().status(1));
    }
    assertEquals(List.of("/admin"), List.copyOf(seenByAdmin));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bypasses")
  void aDenyingPolicyCatchesEveryBypassForm(String target, String ignored) {
    try (RawHttp client = new RawHttp(guarded)) {
      assertEquals(403, client.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    assertTrue(seenByDefault.isEmpty() && seenByAdmin.isEmpty(), "a member saw " + seenByDefault + seenByAdmin);
  }

  @Test
  void h2cRefusesABadPathOnItsStreamAndServesTheNextOne() throws IOException {
    try (RawH2 h2 = RawH2.h2c(web)) {
      assertTrue(h2.get(1, "/a\u0001b").flush().refused(1));
      assertEquals(400, h2.get(3, "/../admin").flush().status(3));
      assertEquals(400, h2.get(5, "/a%2fb").flush().status(5));
      assertEquals(200, h2.get(7, "/ok").flush().status(7));
    }
    assertEquals(List.of("/ok"), List.copyOf(seenByDefault));
    assertTrue(seenByAdmin.isEmpty(), seenByAdmin::toString);
  }

  @Test
  void h2cInvalidAuthoritiesReachNoMemberAndATrailingDotIsTheSameHost() throws IOException {
    try (RawH2 h2 = RawH2.h2c(web)) {
      // Vert.x resets these streams itself (PROTOCOL_ERROR); the gateway's own check is behind it
      h2.getAt("x y", 1, "/").getAt("x:abc", 3, "/").getAt(null, 5, "/", "host", "x y").flush();
      assertEquals(Set.of(-1), h2.outcomes(List.of(1, 3, 5)).values().stream().map(RawH2.Outcome::status)
          .collect(Collectors.toSet()));
      assertEquals(200, h2.getAt("Example.COM.", 7, "/x").flush().status(7)); // the fixed response of "example"
      assertEquals(200, h2.getAt("[::1]:80", 9, "/y").flush().status(9));
    }
    assertEquals(List.of("/y"), List.copyOf(seenByDefault));
  }

  @Test
  void letterCaseAndPathParametersAreNotFolded() {
    assertEquals("default", get(web, "/Admin"));
    assertEquals("admin", get(web, "/admin;jsessionid=1/x"));
    assertEquals(List.of("/Admin"), List.copyOf(seenByDefault));
    assertEquals(List.of("/admin;jsessionid=1/x"), List.copyOf(seenByAdmin));
  }

  @Test
  void withoutMergingAndKeepingEscapedSlashesTheMemberGetsThem() {
    assertEquals("default", get(raw, "//admin"));
    assertEquals("default", get(raw, "/files/a%2fb%5C/./c"));
    assertEquals("admin", get(raw, "/%61dmin"));
    assertEquals(List.of("//admin", "/files/a%2Fb%5C/c"), List.copyOf(seenByDefault));
    assertEquals(List.of("/admin"), List.copyOf(seenByAdmin));
  }

  @Test
  void asteriskFormAndATrailingDotInTheHostKeepWorking() {
    try (RawHttp client = new RawHttp(web)) {
      assertEquals(200, client.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      // a fully qualified name is the same host to HOST_NAME rules
      RawHttp.Response r = client.send("GET /x HTTP/1.1\r\nHost: EXAMPLE.com.:8080\r\n\r\n").read();
      assertEquals("example", r.body());
      assertEquals(200, client.send("GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").read().status());
    }
    assertEquals(List.of("*", "/x"), List.copyOf(seenByDefault));
  }

  @Test
  void theRouteApiExplainsTheDecisionOnTheNormalPathAndShowsIt() {
    JsonObject route = new JsonObject(gw.admin("/api/v1/route?listener=web&client=10.0.0.1&path=/x/..//%2561dmin/./"));
    assertEquals("admin", route.getString("policy"));
    assertEquals("admin-pool", route.getString("pool"));
    assertEquals("/admin/", route.getString("path"));
    JsonObject kept = new JsonObject(gw.admin("/api/v1/route?listener=raw&client=10.0.0.1&path=//a%252fb"));
    assertEquals("//a%2Fb", kept.getString("path"));
    assertEquals("p", kept.getString("pool"));
    JsonObject fqdn = new JsonObject(gw.admin("/api/v1/route?listener=web&client=10.0.0.1&host=example.com."));
    assertEquals("example", fqdn.getString("policy"));
    JsonObject emptyLabel = new JsonObject(gw.admin("/api/v1/route?listener=web&client=10.0.0.1&host=example.com.."));
    assertTrue(emptyLabel.getJsonArray("errors").getString(0).contains("would be refused"), emptyLabel.encode());
    for (String refused : List.of("/%252e%252e/admin", "/a%252Fb", "/a%22b", "admin", "/x/..%3B/admin")) {
      JsonObject answer = new JsonObject(gw.admin("/api/v1/route?listener=web&client=10.0.0.1&path=" + refused));
      assertTrue(answer.getJsonArray("errors").getString(0).contains("would be refused"), refused + ": " + answer);
    }
  }

  @Test
  void aReloadChangesThePathRulesFromTheNextRequestOnAnOpenConnection() {
    int port = TestPorts.free();
    String json = "{" + head() + """
        "listeners":[{"name":"w","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, members(defaultMember));
    GatewayHarness h = gateway.start(json);
    try (RawHttp client = new RawHttp(port)) {
      assertEquals(200, client.send("GET //x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      h.rewrite(json.replace("\"default_pool\":\"p\"", "\"default_pool\":\"p\",\"merge_slashes\":false"));
      assertTrue(Sync.await(h.gateway().runtime().reload()).changed());
      assertEquals(200, client.send("GET //x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    assertEquals(List.of("/x", "//x"), List.copyOf(seenByDefault));
  }

  private static String get(int port, String target) {
    try (RawHttp client = new RawHttp(port)) {
      RawHttp.Response r = client.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(200, r.status(), target + ": " + r.head());
      return r.body();
    }
  }
}
