package io.gatehouse.http;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway's connections to HTTP members: kept alive and reused, given up when the member says so, aged out. */
class MemberClientsTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.listener("web", "HTTP", "HTTP");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private void start(Backends.Member member) {
    gateway.start("", "", members(member));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void oneKeepAliveConnectionCarriesSequentialRequestsAndAgesOutWhenIdle() throws Exception {
    Backends.Member m = gateway.backends().http("m");
    start(m);
    for (int i = 0; i < 20; i++) {
      assertEquals(200, get("/").statusCode());
    }
    assertEquals(20, m.hits.get());
    assertEquals(1, m.open.get(), "twenty requests one after the other share one member connection");
    Await.until(Duration.ofSeconds(10), () -> m.open.get() == 0,
        () -> "the idle member connection is closed after the keep-alive (" + m.open.get() + " open)");
    assertEquals(200, get("/").statusCode(), "a new connection is opened after the idle one closed");
  }

  @Test
  void aTruncatedOrOversizeResponseHeadIsA502AndTheNextRequestIsServed() throws Exception {
    Backends.Member truncated = gateway.backends().tcp("truncated", so -> so.handler(b ->
        so.write("HTTP/1.1 200 OK\r\nContent-Len").onComplete(v -> so.close())));
    start(truncated);
    assertEquals(502, get("/").statusCode(), "a head cut short by the member's close");
    Backends.Member oversize = gateway.backends().tcp("oversize", so -> so.handler(b ->
        so.write("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(MemberClients.MAX_RESPONSE_HEAD) + "\r\n\r\n")));
    start(oversize);
    assertEquals(502, get("/").statusCode(), "a head over " + MemberClients.MAX_RESPONSE_HEAD + " bytes");
    Backends.Member good = gateway.backends().http("good");
    start(good);
    assertEquals(200, get("/").statusCode());
  }

  @Test
  void aMemberThatClosesAfterEachResponseIsNeverReused() throws Exception {
    Backends.Member m = gateway.backends().http("closing", false, req -> req.response().putHeader("Connection", "close")
        .end("bye"));
    start(m);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = get("/");
      assertEquals(200, r.statusCode(), "request " + i);
      assertEquals("bye", r.body());
    }
    assertEquals(5, m.hits.get(), "each request reached the member once: none failed on a closed connection");
  }
}
