package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.HttpMembers;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.net.http.HttpResponse;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Bodies streamed both ways, WebSockets, cookie stickiness, HTTPS with h2 and mTLS, h2c. */
class HttpStreamsAndTlsTest {

  static final long BIG = 50L * 1024 * 1024;
  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Backends backends;
  static Member a;
  static Member b;
  static java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
  GatewayHarness gw;
  int port;

  @BeforeAll
  static void startMembers() {
    backends = gateway.backends();
    a = backends.http("a");
    b = backends.http("b");
  }

  void start(String protocol, String listenerExtra, String poolExtra, String membersJson) {
    port = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"%s","host":"127.0.0.1","protocol_port":%d,
                      "default_pool":"p"%s}],
        "pools":[{"name":"p","protocol":"HTTP"%s,"members":%s}]}
        """.formatted(protocol, port, listenerExtra, poolExtra, membersJson));
  }

  static String tls(String more) {
    return ",\"tls\":{\"certificate\":\"" + TestCerts.RSA_CERT + "\",\"private_key\":\"" + TestCerts.RSA_KEY + "\""
        + more + "}";
  }

  HttpClient vertxClient(HttpClientOptions options) {
    return backends.vertx().createHttpClient(options);
  }

  // --- bodies ---

  @Test
  void largeBodiesStreamBothWaysIntact() throws Exception {
    start("HTTP", "", "", members(a));
    byte[] chunk = new byte[1 << 20];
    new Random(7).nextBytes(chunk);
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < BIG / chunk.length; i++) {
      expected.update(chunk);
    }
    HttpRequest up = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sha"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new RepeatStream(chunk, BIG))).build();
    assertEquals(HexFormat.of().formatHex(expected.digest()), jdk.send(up, HttpResponse.BodyHandlers.ofString()).body(),
        "chunked upload arrives whole");

    HttpResponse<InputStream> down = jdk.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/download/" + BIG)).build(), HttpResponse.BodyHandlers.ofInputStream());
    MessageDigest got = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(down.body(), got)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    assertEquals(HttpMembers.downloadSha(BIG), HexFormat.of().formatHex(got.digest()), "download arrives whole");
  }

  @Test
  void aClientThatDoesNotReadStallsTheMember() throws Exception {
    start("HTTP", "", "", members(a));
    long before = a.sent.get();
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(16 * 1024);
      s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      s.getOutputStream().write("GET /download/1000000000 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      Await.until(Duration.ofSeconds(5), () -> a.sent.get() - before > 0, "the member starts sending");
      Await.steady(Duration.ofSeconds(10), a.sent::get, Duration.ofMillis(500), "the member's writes stall");
      long buffered = a.sent.get() - before;
      assertTrue(buffered < 64L * 1024 * 1024, "only socket buffers and high-water marks fill: " + buffered);
    }
  }

  // --- WebSocket ---

  @Test
  void webSocketFramesFlowBothWaysAndEitherSideEndsTheTunnel() {
    start("HTTP", "", "", members(a));
    WebSocketClient ws = backends.vertx().createWebSocketClient();
    WebSocketConnectOptions to = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws");
    int messages = 50;
    CompletableFuture<Integer> echoed = new CompletableFuture<>();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    byte[] payload = new byte[64 * 1024];
    new Random(3).nextBytes(payload);
    WebSocket socket = Sync.await(ws.connect(to));
    int[] got = {0};
    socket.textMessageHandler(t -> echoed.completeExceptionally(new AssertionError("text " + t)));
    socket.binaryMessageHandler(b -> {
      if (!b.equals(Buffer.buffer(payload).appendInt(got[0]))) {
        echoed.completeExceptionally(new AssertionError("message " + got[0] + " altered or out of order"));
      } else if (++got[0] == messages) {
        echoed.complete(got[0]);
      }
    });
    socket.closeHandler(v -> closed.complete(null));
    // frame by frame: the client masks each frame, which under paranoid leak detection records a stack trace per
    // 8 bytes, and all 50 in one event-loop task blocked the client's event loop for seconds
    for (int i = 0; i < messages; i++) {
      Sync.await(socket.writeBinaryMessage(Buffer.buffer(payload).appendInt(i)));
    }
    assertEquals(messages, echoed.orTimeout(10, TimeUnit.SECONDS).join(), "3.2 MB of frames echoed in order");
    assertEquals(1, active(a), "the tunnel holds the member");
    Sync.await(socket.writeTextMessage("close")); // the member closes its side
    closed.orTimeout(5, TimeUnit.SECONDS).join();
    Await.until(Duration.ofSeconds(5), () -> active(a) == 0, "member released after the member closed");
    assertTrue(gw.awaitAccessLog("status=101").contains("end=tunnel_closed"));

    WebSocket second = Sync.await(ws.connect(to));
    CompletableFuture<String> text = new CompletableFuture<>();
    second.textMessageHandler(text::complete);
    second.writeTextMessage("hello through the gateway");
    assertEquals("hello through the gateway", text.orTimeout(5, TimeUnit.SECONDS).join(), "text stays text");
    Sync.await(second.close()); // the client closes its side
    Await.until(Duration.ofSeconds(5), () -> active(a) == 0, "member released after the client closed");
    Sync.await(ws.close());
  }

  @Test
  void aClientThatDoesNotReadStallsTheMemberInATunnel() throws Exception {
    java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    Member flood = backends.http("flood", false, req -> req.toNetSocket().onSuccess(so -> {
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (!so.writeQueueFull()) {
          so.write(Buffer.buffer(new byte[64 * 1024]));
          sent.addAndGet(64 * 1024);
        }
        so.drainHandler(v -> pump[0].run());
      };
      pump[0].run();
    }));
    start("HTTP", "", "", members(flood));
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(16 * 1024);
      s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      s.getOutputStream().write("GET /raw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n".getBytes());
      Await.until(Duration.ofSeconds(5), () -> sent.get() > 0, "the member starts sending");
      long[] last = {-1};
      long[] stableSince = {System.nanoTime()};
      Await.until(Duration.ofSeconds(10), () -> {
        long now = sent.get();
        if (now != last[0]) {
          last[0] = now;
          stableSince[0] = System.nanoTime();
        }
        return System.nanoTime() - stableSince[0] > 500_000_000L;
      }, "the member's writes stall");
      assertTrue(sent.get() < 64L * 1024 * 1024, "only socket buffers and high-water marks fill: " + sent.get());
    } finally {
      flood.stop();
    }
  }

  int active(Member m) {
    return gw.gateway().runtime().view().pool("p").member("127.0.0.1:" + m.port()).active();
  }

  // --- HTTP_COOKIE ---

  @Test
  void gatewayCookieIsSetHonouredAndReplaced() throws Exception {
    start("HTTP", "", ",\"session_persistence\":{\"type\":\"HTTP_COOKIE\"}", members(a, b));
    HttpResponse<String> first = jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
        HttpResponse.BodyHandlers.ofString());
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.startsWith("GATEHOUSE_STICKY="), setCookie);
    assertTrue(setCookie.contains("; Path=/") && setCookie.contains("; HttpOnly"), setCookie);
    assertTrue(!setCookie.contains("Secure"), "no Secure flag over plain HTTP");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    String owner = first.headers().firstValue("X-Member").orElseThrow();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = withCookie(cookie);
      assertEquals(owner, r.headers().firstValue("X-Member").orElseThrow());
      assertTrue(r.headers().firstValue("Set-Cookie").isEmpty(), "an honoured cookie is not set again");
    }
    String value = cookie.substring(cookie.indexOf('=') + 1);
    String tampered = "GATEHOUSE_STICKY=" + value.substring(0, value.length() - 1)
        + (value.endsWith("A") ? "B" : "A");
    assertTrue(withCookie(tampered).headers().firstValue("Set-Cookie").isPresent(), "a tampered cookie is replaced");
    assertTrue(withCookie("GATEHOUSE_STICKY=127.0.0.1:" + b.port()).headers().firstValue("Set-Cookie").isPresent(),
        "a forged cookie is replaced");
  }

  @Test
  void aCookieWhoseMemberIsDownGoesElsewhereAndIsReplaced() throws Exception {
    Member one = backends.http("one");
    Member two = backends.http("two");
    start("HTTP", "", ",\"session_persistence\":{\"type\":\"HTTP_COOKIE\"}", members(one, two));
    HttpResponse<String> first = withCookie("x=1");
    String owner = first.headers().firstValue("X-Member").orElseThrow();
    String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    (owner.equals("one") ? one : two).stop(); // connections to it are refused from now on
    HttpResponse<String> moved = withCookie(cookie);
    assertEquals(200, moved.statusCode());
    String other = owner.equals("one") ? "two" : "one";
    assertEquals(other, moved.headers().firstValue("X-Member").orElseThrow());
    String replaced = moved.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    assertTrue(!replaced.equals(cookie), "a new cookie naming the other member");
    assertTrue(gw.awaitAccessLog("sticky=replaced").contains("member=127.0.0.1:"));
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = withCookie(replaced);
      assertEquals(other, r.headers().firstValue("X-Member").orElseThrow());
      assertTrue(r.headers().firstValue("Set-Cookie").isEmpty());
    }
    (owner.equals("one") ? two : one).stop();
  }

  HttpResponse<String> withCookie(String cookie) throws Exception {
    return jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).header("Cookie", cookie)
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  // --- HTTPS, h2, h2c, mTLS ---

  @Test
  void httpsOffersH2ByAlpnAndProxiesToHttp11Members() {
    start("HTTPS", tls("") + ",\"http2_enable\":true", "", members(a));
    HttpClient client = vertxClient(new HttpClientOptions().setSsl(true).setUseAlpn(true)
        .setProtocolVersion(HttpVersion.HTTP_2).setTrustOptions(new PemTrustOptions().addCertPath(TestCerts.CA_CERT.toString())));
    HttpVersion[] version = new HttpVersion[1];
    String body = Sync.await(client.request(new RequestOptions().setHost("localhost").setPort(port).setURI("/"))
        .compose(req -> req.send()).compose(r -> {
          version[0] = r.version();
          return r.body();
        })).toString();
    assertEquals(HttpVersion.HTTP_2, version[0]);
    assertTrue(body.contains("x-forwarded-proto: https"), body);
    assertTrue(body.contains("host: localhost:" + port), body);
    Sync.await(client.close());
  }

  @Test
  void h2cPriorKnowledgeOnlyWhenEnabled() {
    start("HTTP", ",\"http2_enable\":true", "", members(a));
    HttpClient client = vertxClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    HttpVersion[] version = new HttpVersion[1];
    Buffer body = Sync.await(client.request(HttpMethod.GET, port, "127.0.0.1", "/").compose(req -> req.send())
        .compose(r -> {
          version[0] = r.version();
          return r.body();
        }));
    assertEquals(HttpVersion.HTTP_2, version[0]);
    assertTrue(body.toString().startsWith("member=a"));
    gw.close();
    start("HTTP", "", "", members(a));
    int p = port;
    assertThrows(AssertionError.class, () -> Sync.await(client.request(HttpMethod.GET, p, "127.0.0.1", "/")
        .compose(req -> req.send()).compose(HttpClientResponse::body), Duration.ofSeconds(5)),
        "no h2c when http2_enable is off");
    Sync.await(client.close());
  }

  @Test
  void h2cListenerKeepsTheHttp1RulesAndTimesHttp2Connections() throws Exception {
    start("HTTP", ",\"http2_enable\":true,\"client_timeout\":0.5,\"keepalive_timeout\":0.5", "", members(a));
    // the first head is timed from the accept, though Vert.x reads it before the connection handler runs; the
    // requests after it as usual
    try (RawHttp raw = new RawHttp(port)) {
      assertEquals(200, raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      long t0 = System.nanoTime();
      RawHttp.Response r = raw.send("GET / HTTP/1.1\r\nHost: x\r\n").read();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(408, r.status(), "an incomplete second head");
      assertTrue(ms >= 450 && ms < 3000, "took " + ms + " ms");
    }
    try (RawHttp raw = new RawHttp(port)) {
      long t0 = System.nanoTime();
      assertEquals(408, raw.read().status(), "a silent connection");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 450 && ms < 3000, "a silent connection answered after " + ms + " ms");
      assertTrue(raw.closedByPeer());
    }
    try (RawHttp raw = new RawHttp(port)) {
      long t0 = System.nanoTime();
      raw.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").send("\0\0\0\4\0\0\0\0\0"); // preface, empty SETTINGS
      raw.readUntilClosed();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 450 && ms < 3000, "an h2c connection without a request closed after " + ms + " ms");
    }
    HttpClient client = vertxClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    CompletableFuture<Long> closedAfter = new CompletableFuture<>();
    long[] t0 = new long[1];
    Sync.await(client.request(HttpMethod.GET, port, "127.0.0.1", "/").compose(req -> req.send()).compose(r -> {
      t0[0] = System.nanoTime();
      r.request().connection().closeHandler(v -> closedAfter.complete((System.nanoTime() - t0[0]) / 1_000_000));
      return r.body();
    }));
    long ms = closedAfter.orTimeout(5, TimeUnit.SECONDS).join();
    assertTrue(ms >= 300 && ms < 3000, "an idle h2c connection closed after " + ms + " ms");
    Sync.await(client.close());
  }

  @Test
  void h2cListenerDecodesEveryRequestStrictlyTheFirstToo() {
    start("HTTP", ",\"http2_enable\":true", "", members(a));
    // Vert.x picks the protocol from the first bytes and decodes the first head itself: StrictFirstRequest swaps
    // its decoder for the strict one before that head is read
    String smuggling = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\n";
    for (String first : List.of(smuggling,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Xength: 4\r\n\r\nabcdGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /\rHTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nHost: admin.example\r\n\r\n")) {
      try (RawHttp raw = new RawHttp(port)) {
        assertEquals(400, raw.send(first).read().status(), first);
        assertTrue(raw.closedByPeer());
      }
    }
    // an Upgrade: h2c is served over HTTP/1.1 (h2c is prior knowledge only): the strict checks hold for it, and a
    // chunked body reaches the member (Vert.x's upgrade took CL+TE with a 101 and dropped chunked bodies)
    String upgrade = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n";
    try (RawHttp raw = new RawHttp(port)) {
      assertEquals(400, raw.send("POST / HTTP/1.1\r\nHost: x\r\n" + upgrade
          + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").read().status());
    }
    try (RawHttp raw = new RawHttp(port)) {
      RawHttp.Response r = raw.send("POST /echo HTTP/1.1\r\nHost: x\r\n" + upgrade
          + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n").read();
      assertEquals(200, r.status(), r.head());
      assertEquals("hello", r.body());
    }
    try (RawHttp raw = new RawHttp(port)) {
      // pipelined behind a first request, in the same write as the end of its body
      raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nab");
      raw.send("c" + "GET / HTTP/1.1\r\nHost: x\r\n\r\n" + smuggling);
      assertEquals("abc", raw.read().body());
      assertEquals(200, raw.read().status());
      assertEquals(400, raw.read().status());
      assertTrue(raw.closedByPeer());
    }
  }

  @Test
  void h2cListenerBehindAProxyProtocolHopDecodesTheFirstRequestStrictly() {
    start("HTTP", ",\"http2_enable\":true,\"accept_proxy_protocol\":{\"trusted_cidrs\":[\"127.0.0.2/32\"]}", "",
        members(a));
    String proxy = "PROXY TCP4 203.0.113.9 127.0.0.1 40001 " + port + "\r\n";
    String xength = "POST / HTTP/1.1\r\nHost: x\r\nContent-Xength: 4\r\n\r\nabcdGET /s HTTP/1.1\r\nHost: x\r\n\r\n";
    try (RawHttp raw = new RawHttp(port, "127.0.0.2")) {
      assertEquals(400, raw.send(proxy + xength).read().status(), "the header and the request in one write");
    }
    try (RawHttp raw = new RawHttp(port, "127.0.0.2")) {
      raw.send(proxy);
      assertEquals(400, raw.send(xength).read().status(), "the header, then the request");
    }
    try (RawHttp raw = new RawHttp(port, "127.0.0.2")) {
      assertEquals(200, raw.send(proxy + "GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      assertEquals(200, raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
  }

  @Test
  void mutualTlsPassesTheClientSubjectAndStripsForgedOnes() {
    start("HTTPS", tls(",\"client_ca\":\"" + TestCerts.CA_CERT + "\""), "", members(a));
    HttpClient client = vertxClient(new HttpClientOptions().setSsl(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(TestCerts.CA_CERT.toString()))
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(TestCerts.CLIENT_CERT.toString())
            .setKeyPath(TestCerts.CLIENT_KEY.toString())));
    String body = Sync.await(client.request(new RequestOptions().setHost("localhost").setPort(port).setURI("/")
        .putHeader("X-Client-Cert-Subject", "CN=forged")).compose(req -> req.send())
        .compose(HttpClientResponse::body)).toString();
    assertTrue(body.contains("x-client-cert-subject: CN="), body);
    assertTrue(!body.contains("CN=forged"), body);
    Sync.await(client.close());
  }

  @Test
  void aReplacedCertificateFileServesNewHandshakesWithoutRestart(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.copy(TestCerts.RSA_CERT, cert);
    Files.copy(TestCerts.RSA_KEY, key);
    port = TestPorts.free();
    gw = gateway.start("{" + head().replace("\"scan_period_ms\":0", "\"scan_period_ms\":100") + """
        "listeners":[{"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, cert, key, members(a)));
    HttpClient client = vertxClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    assertEquals("RSA", servedKeyAlgorithm(client));
    // key first, then certificate, each by an atomic rename, as a certificate tool would
    Path tmp = dir.resolve("tmp.pem");
    Files.copy(TestCerts.EC_KEY, tmp);
    Files.move(tmp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(TestCerts.EC_CERT, tmp);
    Files.move(tmp, cert, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Await.until(Duration.ofSeconds(10), () -> "EC".equals(servedKeyAlgorithm(client)), "new certificate not served");
    Sync.await(client.close());
  }

  /** The key algorithm of the certificate a new HTTPS connection is served (each request on a new connection). */
  String servedKeyAlgorithm(HttpClient client) {
    return Sync.await(client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/")
        .putHeader("Connection", "close")).compose(req -> req.send()).map(r -> {
          try {
            return r.request().connection().peerCertificates().get(0).getPublicKey().getAlgorithm();
          } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new AssertionError(e);
          }
        }));
  }

  @Test
  void httpsPoolsSpeakTlsToMembers() {
    Member secure = backends.http("secure", new PemKeyCertOptions().setCertPath(TestCerts.RSA_CERT.toString())
        .setKeyPath(TestCerts.RSA_KEY.toString()));
    port = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"}],
        "pools":[{"name":"p","protocol":"HTTPS","members":%s}]}
        """.formatted(port, members(secure)));
    try (RawHttp raw = new RawHttp(port)) {
      for (int i = 0; i < 3; i++) {
        RawHttp.Response r = raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello").read();
        assertEquals(200, r.status());
        assertEquals("secure", r.header("X-Member"));
        assertEquals("hello", r.body());
      }
    } finally {
      secure.stop();
    }
  }

  /** {@code total} bytes made of {@code chunk} repeated, without holding them all. */
  static final class RepeatStream extends InputStream {
    private final byte[] chunk;
    private long left;
    private int pos;

    RepeatStream(byte[] chunk, long total) {
      this.chunk = chunk;
      this.left = total;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left == 0) {
        return -1;
      }
      int n = (int) Math.min(Math.min(len, chunk.length - pos), left);
      System.arraycopy(chunk, pos, b, off, n);
      pos = (pos + n) % chunk.length;
      left -= n;
      return n;
    }
  }
}
