package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.RawH2;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests an attacker builds so that the member reads another request than the one the policies saw: HTTP/2
 * fields that become HTTP/1.1 lines, bytes after a refused request, an absolute-form target, a missing Host. The
 * member records the request-target of every request it parses; a policy refuses {@code /admin} with 403.
 */
class RequestSmugglingTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
  /** HTTP/1 only (strict from the first request on); h2c: HTTP with http2_enable; secure: h2 by ALPN. */
  static int web;
  static int h2c;
  static int secure;

  @BeforeAll
  static void start() {
    Member member = gateway.backends().http("m", false, req -> {
      seen.add(req.uri());
      req.response().end("m");
    });
    web = TestPorts.free();
    h2c = TestPorts.free();
    secure = TestPorts.free();
    String deny = """
        "l7_policies":[{"name":"deny","position":1,"action":"FIXED_RESPONSE","status_code":403,"body":"no",
                        "rules":[{"type":"PATH","compare_type":"STARTS_WITH","value":"/admin"}]}]""";
    gateway.startForClass("{" + head() + """
        "listeners":[
          {"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",%s},
          {"name":"h2c","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "http2_enable":true,%s},
          {"name":"secure","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
           "http2_enable":true,"tls":{"certificate":"%s","private_key":"%s"},%s}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(web, deny, h2c, deny, secure, TestCerts.RSA_CERT, TestCerts.RSA_KEY, deny, members(member)));
  }

  @BeforeEach
  void forget() {
    seen.clear();
  }

  /** A whole request hidden in a field value: HPACK carries CR and LF, HTTP/1.1 takes them for line ends. */
  private static final String INJECTED = "b\r\n\r\nDELETE /admin/users/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";

  @Test
  void h2cFieldsThatWouldForgeLinesForTheMemberAreRefusedOnTheirStream() throws IOException {
    try (RawH2 h2 = RawH2.h2c(h2c)) {
      assertFieldsRefused(h2);
    }
  }

  @Test
  void h2FieldsThatWouldForgeLinesForTheMemberAreRefusedOnTheirStream() throws IOException {
    try (RawH2 h2 = RawH2.h2(secure)) {
      assertFieldsRefused(h2);
    }
  }

  private static void assertFieldsRefused(RawH2 h2) throws IOException {
    assertRefused(h2, 1, "x-a", INJECTED);
    assertRefused(h2, 3, "x-a", "a\u0000b");
    assertRefused(h2, 5, "x-a", "a\nb");
    assertRefused(h2, 7, "x:a", "b");
    assertEquals(200, h2.get(9, "/x", "x-a", "a\tb \u00e9").flush().status(9)); // HTAB, SP and obs-text are fine
    // ... but not first or last (RFC 9113 8.2.1): malformed, and a value that starts so cannot be sent on as h2
    assertRefused(h2, 11, "x-a", " a");
    assertRefused(h2, 13, "x-a", "a\t");
    assertEquals(List.of("/x"), List.copyOf(seen));
  }

  private static void assertRefused(RawH2 h2, int stream, String name, String value) throws IOException {
    assertTrue(h2.get(stream, "/x", name, value).flush().refused(stream), name + ": " + value);
  }

  @Test
  void h2PathsOfAnotherFormAndRequestsWithoutAuthorityAreRefused() throws IOException {
    try (RawH2 h2 = RawH2.h2c(h2c)) {
      assertEquals(400, h2.get(1, "http://x/y").flush().status(1)); // :path is origin-form (RFC 9113 8.3.1)
      assertEquals(400, h2.get(3, "*").flush().status(3)); // a GET of *
      assertEquals(400, h2.getAt(null, 5, "/y").flush().status(5)); // neither :authority nor host
      assertEquals(200, h2.getAt(null, 7, "/z", "host", "x").flush().status(7));
      assertEquals(400, h2.getWithScheme("javascript", 9, "/y").flush().status(9)); // http and https only
      assertEquals(200, h2.getWithScheme("https", 11, "/z").flush().status(11));
    }
    assertEquals(List.of("/z", "/z"), List.copyOf(seen));
  }

  /**
   * The bytes after a request refused for its framing are where the gateway and a proxy in front of it disagree:
   * whatever they hold, once the refusal is sent nothing more on the connection is acted on (RFC 9112 9.6).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET /a%00 HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /a HTTP/1.1\r\nHost: x:abc\r\n\r\n"})
  void aRequestAfterARefusedOneReachesNoMember(String refused) {
    try (RawHttp raw = new RawHttp(web)) {
      String answer = raw.send(refused + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n").readUntilClosed();
      assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
      assertEquals(1, answer.split("HTTP/1\\.").length - 1, "one answer only: " + answer);
    }
    assertTrue(seen.isEmpty(), seen::toString);
  }

  @Test
  void anAbsoluteFormTargetGivesTheMemberItsPathAndQueryAsTheClientMeantThem() {
    try (RawHttp raw = new RawHttp(web)) {
      // Vert.x takes the '/' in the query for the start of the path: /admin?a=/admin
      assertEquals(200, raw.send("GET http://x?a=/admin HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      assertEquals(200, raw.send("GET HTTP://X:80/y/../z?q HTTP/1.1\r\nHost: x:80\r\n\r\n").read().status());
      assertEquals(403, raw.send("GET https://x/admin HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    assertEquals(List.of("/?a=/admin", "/z?q"), List.copyOf(seen));
  }

  @Test
  void http10WithoutHostIsStillServed() {
    try (RawHttp raw = new RawHttp(web)) {
      assertEquals(200, raw.send("GET /old HTTP/1.0\r\n\r\n").read().status());
    }
    assertEquals(List.of("/old"), List.copyOf(seen));
  }
}
