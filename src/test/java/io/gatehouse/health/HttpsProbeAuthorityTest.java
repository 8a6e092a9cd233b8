package io.gatehouse.health;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestVertx;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** An HTTPS probe of an IPv6 member without domain_name sends Host as {@code [v6]:port}, as RFC 9110 requires. */
class HttpsProbeAuthorityTest {

  @Test
  void anIpv6MemberGetsABracketedHost() throws Exception {
    Vertx vertx = TestVertx.create();
    try {
      AtomicReference<String> host = new AtomicReference<>();
      HttpServer member = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(
          new PemKeyCertOptions().setCertPath(TestCerts.RSA_CERT.toString()).setKeyPath(TestCerts.RSA_KEY.toString())))
          .requestHandler(req -> {
            host.compareAndSet(null, req.getHeader("Host"));
            req.response().end();
          });
      int port = Sync.await(member.listen(0, "::1")).actualPort();
      try (GatewayHarness gw = GatewayHarness.start("{" + head() + """
          "pools":[{"name":"p","protocol":"HTTPS","members":[{"address":"::1","protocol_port":%d}],
                    "health_monitor":{"type":"HTTPS","delay":2,"timeout":2,"max_retries":1}}]}
          """.formatted(port))) {
        Await.until(Duration.ofSeconds(20), () -> host.get() != null, "no probe reached the member");
        assertTrue(host.get().matches("\\[[0-9a-f:]+\\]:" + port), host.get());
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
