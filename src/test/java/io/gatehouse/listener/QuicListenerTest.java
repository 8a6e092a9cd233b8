package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Http3Client;
import io.gatehouse.testkit.Http3Client.Response;
import io.gatehouse.testkit.HttpMembers;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The QUIC (HTTP/3) listener with Netty's HTTP/3 client: requests, bodies, streams, ACL, reloads, failures. */
class QuicListenerTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Backends backends;
  static Member a;
  static Member b;
  GatewayHarness gw;
  int port;

  @BeforeAll
  static void startMembers() {
    backends = gateway.backends();
    a = backends.http("a");
    b = backends.http("b");
  }

  static String tls() {
    return "\"tls\":{\"certificate\":\"" + TestCerts.RSA_CERT + "\",\"private_key\":\"" + TestCerts.RSA_KEY + "\"}";
  }

  String config(String listenerExtra, String poolExtra, String membersJson) {
    return "{" + head() + """
        "listeners":[{"name":"h3","protocol":"QUIC","host":"127.0.0.1","protocol_port":%d,
                      "default_pool":"p",%s%s}],
        "pools":[{"name":"p","protocol":"HTTP"%s,"members":%s}]}
        """.formatted(port, tls(), listenerExtra, poolExtra, membersJson);
  }

  void start(String listenerExtra, String poolExtra, String membersJson) {
    port = TestPorts.free();
    gw = gateway.start(config(listenerExtra, poolExtra, membersJson));
  }

  @Test
  void getAndPostReachTheMemberWithForwardingHeaders() throws Exception {
    start("", "", members(a));
    try (Http3Client h3 = Http3Client.connect(port)) {
      Response got = h3.get("/hello?x=1");
      assertEquals(200, got.status(), got.text());
      assertTrue(got.text().startsWith("member=a"), got.text());
      assertTrue(got.text().contains("x-forwarded-proto: https"), got.text());
      assertTrue(got.text().contains("x-forwarded-for: 127.0.0.1"), got.text());
      assertTrue(got.text().contains("x-forwarded-port: " + port), got.text());
      assertTrue(got.text().contains("host: 127.0.0.1:" + port), got.text());
      assertTrue(got.text().contains("x-request-id: "), got.text());
      assertTrue(!got.text().contains("transfer-encoding") && !got.text().contains("x-http3"),
          "a GET without a body reaches the member without one: " + got.text());
      assertTrue(got.header("x-request-id") != null, "the request ID goes back to the client");

      Response echoed = Http3Client.await(h3.send("POST", "/echo", Map.of("content-type", "text/plain"),
          "hello over h3".getBytes()));
      assertEquals(200, echoed.status());
      assertEquals("hello over h3", echoed.text());
    }
    String line = gw.awaitAccessLog("/hello");
    assertTrue(line.contains("HTTP/3") && line.contains("QUIC"), line);
    Await.until(Duration.ofSeconds(5), () -> gw.metrics().contains(
        "gatehouse_http_requests_total{code=\"200\",listener=\"h3\",member=\"127.0.0.1:" + a.port() + "\",pool=\"p\"} 2.0"),
        () -> "h3 requests counted: " + gw.metrics());
  }
}
