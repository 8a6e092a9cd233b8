package io.gatehouse.http;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.HttpMembers;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Plain HTTP over HTTP/2 member connections: HTTP2 pools (h2c by prior knowledge) and HTTPS pools with
 * {@code alpn_protocols}, where the member's ALPN choice decides (h2, or HTTP/1.1 from a member that offers only
 * that). Real Vert.x members that report the version they were spoken to in, real clients.
 */
class Http2MembersTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** Answers {@code name version} and counts its connections. */
  static final class VersionMember {
    final String name;
    final HttpServer server;
    final AtomicInteger connections = new AtomicInteger();

    VersionMember(String name, HttpServerOptions options) {
      this.name = name;
      this.server = gateway.backends().vertx().createHttpServer(options)
          .connectionHandler(c -> connections.incrementAndGet())
          .requestHandler(req -> req.body().onSuccess(b -> req.response().end(name + " " + req.version())));
      Sync.await(server.listen(0, "127.0.0.1"));
    }

    int port() {
      return server.actualPort();
    }
  }

  static final List<VersionMember> started = new ArrayList<>();

  static VersionMember versionMember(String name, HttpServerOptions options) {
    VersionMember m = new VersionMember(name, options);
    started.add(m);
    return m;
  }

  static HttpServerOptions tls(boolean alpnH2) {
    HttpServerOptions o = new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(TestCerts.RSA_CERT.toString()).setKeyPath(TestCerts.RSA_KEY.toString()));
    if (alpnH2) {
      o.setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    }
    return o;
  }

  @AfterAll
  static void stop() {
    started.forEach(m -> Sync.await(m.server.close()));
  }

  private int port;

  private io.gatehouse.testkit.GatewayHarness start(boolean http2Listener, String pool) {
    port = TestPorts.free();
    return gateway.start(config(http2Listener, pool));
  }

  private String config(boolean http2Listener, String pool) {
    return "{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "http2_enable":%s}],
        "pools":[{"name":"p",%s}]}
        """.formatted(port, http2Listener, pool);
  }

  @Test
  void aMemberThatDoesNotSpeakHttp2IsAFailedConnectionNotAHang() throws Exception {
    Member echo = gateway.backends().tcpEcho("not-h2"); // answers the preface with itself, never with SETTINGS
    start(false, "\"protocol\":\"HTTP2\",\"members\":" + members(echo));
    long start = System.nanoTime();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .timeout(java.time.Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(502, r.statusCode());
    assertTrue(System.nanoTime() - start < java.util.concurrent.TimeUnit.SECONDS.toNanos(12), "too slow a 502");
  }

  @Test
  void aReloadSwitchesAPoolBetweenHttp11AndHttp2() throws Exception {
    VersionMember m = versionMember("switch", new HttpServerOptions());
    io.gatehouse.testkit.GatewayHarness gw = start(false, "\"protocol\":\"HTTP\",\"members\":" + member(m.port()));
    assertEquals("switch HTTP_1_1", get("/before"));
    gw.rewrite(config(false, "\"protocol\":\"HTTP2\",\"members\":" + member(m.port())));
    assertEquals(200, gw.adminCall("POST", "/api/v1/reload").statusCode());
    assertEquals("switch HTTP_2", get("/after"));
    gw.rewrite(config(false, "\"protocol\":\"HTTP\",\"members\":" + member(m.port())));
    assertEquals(200, gw.adminCall("POST", "/api/v1/reload").statusCode());
    assertEquals("switch HTTP_1_1", get("/back"));
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private static String member(int memberPort) {
    return "[{\"address\":\"127.0.0.1\",\"protocol_port\":" + memberPort + "}]";
  }

  @Test
  void anHttp2PoolMultiplexesRequestsOverAFewConnections() throws Exception {
    VersionMember m = versionMember("h2c", new HttpServerOptions());
    start(false, "\"protocol\":\"HTTP2\",\"members\":" + member(m.port()));
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      all.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + i)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get();
      assertEquals(200, r.statusCode());
      assertEquals("h2c HTTP_2", r.body());
    }
    // 2 event loops, at most H2_CONNECTIONS_PER_MEMBER each, however many requests
    assertTrue(m.connections.get() <= 2 * MemberClients.H2_CONNECTIONS_PER_MEMBER,
        m.connections.get() + " member connections for 60 requests");
  }

  @Test
  void bodiesStreamBothWaysOverAnH2cMember() throws Exception {
    Member m = gateway.backends().http("full");
    start(false, "\"protocol\":\"HTTP2\",\"members\":" + members(m));
    int size = 8 * 1024 * 1024;
    byte[] upload = HttpMembers.pattern(0, size);
    HttpResponse<String> sha = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sha"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(HttpMembers.downloadSha(size), sha.body());
    HttpResponse<byte[]> down = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/download/" + size)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, down.statusCode());
    assertEquals(size, down.body().length);
    assertTrue(java.util.Arrays.equals(upload, down.body()));
  }

  @Test
  void anExpectContinueBodyIsNotHeldForA100TheH2MemberNeedNotSend() throws Exception {
    Member m = gateway.backends().http("continue"); // Vert.x: a 100 over HTTP/1.1, none over HTTP/2
    start(false, "\"protocol\":\"HTTP2\",\"members\":" + members(m));
    byte[] upload = HttpMembers.pattern(0, 100_000);
    HttpResponse<String> sha = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sha"))
        .expectContinue(true).timeout(java.time.Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, sha.statusCode());
    assertEquals(HttpMembers.downloadSha(upload.length), sha.body());
  }

  @Test
  void alpnSpeaksHttp2ToAMemberThatPicksH2() throws Exception {
    VersionMember m = versionMember("alpn", tls(true));
    start(false, "\"protocol\":\"HTTPS\",\"ca_certificate\":\"" + TestCerts.CA_CERT
        + "\",\"alpn_protocols\":[\"h2\",\"http/1.1\"],\"members\":" + member(m.port()));
    assertEquals("alpn HTTP_2", get("/a"));
    assertEquals("alpn HTTP_2", get("/b"));
  }

  @Test
  void alpnFallsBackToHttp11WhenTheMemberOffersOnlyThat() throws Exception {
    VersionMember m = versionMember("h1only", tls(false));
    start(false, "\"protocol\":\"HTTPS\",\"ca_certificate\":\"" + TestCerts.CA_CERT
        + "\",\"alpn_protocols\":[\"h2\",\"http/1.1\"],\"members\":" + member(m.port()));
    for (int i = 0; i < 5; i++) {
      assertEquals("h1only HTTP_1_1", get("/" + i));
    }
    assertEquals(1, m.connections.get(), "keep-alive as before: one HTTP/1.1 connection for sequential requests");
  }

  @Test
  void cookieStickinessHoldsForAnH2ClientAndAnH2Pool() {
    Member a = gateway.backends().http("a");
    Member b = gateway.backends().http("b");
    start(true, "\"protocol\":\"HTTP2\",\"session_persistence\":{\"type\":\"HTTP_COOKIE\"},\"members\":"
        + members(a, b));
    io.vertx.core.http.HttpClient h2 = gateway.backends().vertx().createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      String[] first = exchange(h2, null);
      assertEquals("HTTP_2", first[2], "the client spoke HTTP/2");
      assertNotNull(first[1], "no sticky cookie set");
      assertTrue(first[1].startsWith(ProxyExchange.STICKY_COOKIE + "="), first[1]);
      String cookie = first[1].split(";")[0];
      for (int i = 0; i < 8; i++) {
        assertEquals(first[0], exchange(h2, cookie)[0], "request " + i + " with the cookie went elsewhere");
      }
    } finally {
      Sync.await(h2.close());
    }
  }

  /** One GET over h2: {member, Set-Cookie or null, client-side version}. */
  private String[] exchange(io.vertx.core.http.HttpClient h2, String cookie) {
    Future<String[]> f = h2.request(HttpMethod.GET, port, "127.0.0.1", "/").compose(req -> {
      if (cookie != null) {
        req.putHeader("cookie", cookie);
      }
      return req.send().compose(resp -> resp.body().map((Buffer body) -> new String[] {
          body.toString().lines().findFirst().orElse(""), resp.getHeader("set-cookie"), resp.version().name()}));
    });
    return Sync.await(f);
  }

}
