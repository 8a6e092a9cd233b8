package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.PrometheusText;
import io.gatehouse.testkit.Backends.Member;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawH2;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TlsClients;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code gatehouse_listener_bytes_total} and the access log's {@code in=}/{@code out=} on HTTP and HTTPS listeners:
 * every byte exchanged with the client after TLS, heads included, each request's share on its own line.
 */
class ListenerBytesTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.rawConfig();
  static Member a;
  GatewayHarness gw;
  int http;
  int https;

  @BeforeAll
  static void startMember() {
    a = gateway.backends().http("a");
  }

  void start() {
    start("");
  }

  /** {@code webExtra}: more fields of the HTTP listener. */
  void start(String webExtra) {
    http = TestPorts.free();
    https = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p"%s},
                     {"name":"secure","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "http2_enable":true,"tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(http, webExtra, https, TestCerts.RSA_CERT, TestCerts.RSA_KEY, members(a)));
  }

  @Test
  void httpCountsHeadsAndBodiesOfEachRequestAsTheLogDoes() {
    start();
    try (RawHttp raw = new RawHttp(http)) {
      exchange("web", raw, "GET /bytes-1 HTTP/1.1\r\nHost: x\r\n\r\n", "/bytes-1");
      exchange("web", raw, "POST /bytes-2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "/bytes-2");
    }
  }

  @Test
  void httpsCountsThePlainTextNotTheTlsRecords() {
    start();
    try (RawHttp raw = new RawHttp(TlsClients.socket(https, TlsClients.context(null, null)))) {
      exchange("secure", raw, "GET /bytes-3 HTTP/1.1\r\nHost: x\r\n\r\n", "/bytes-3");
    }
  }

  @Test
  void http2CountsTheConnectionsFramesOnTheLinesOfItsStreams() {
    start();
    HttpClient client = gateway.backends().vertx().createHttpClient(new HttpClientOptions().setSsl(true)
        .setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2)
        .setTrustOptions(new PemTrustOptions().addCertPath(TestCerts.CA_CERT.toString())));
    try {
      long in0 = bytes("secure", "in");
      long out0 = bytes("secure", "out");
      String body = Sync.await(client.request(new RequestOptions().setHost("localhost").setPort(https)
          .setURI("/bytes-4")).compose(req -> req.send()).compose(r -> r.body())).toString();
      String line = gw.awaitAccessLog("path=/bytes-4 ");
      long in = bytes("secure", "in") - in0;
      long out = bytes("secure", "out") - out0;
      assertTrue(in > 9 && out > body.length() + 9, "HEADERS and DATA frames at least: " + in + ", " + out);
      assertTrue(line.contains(" in=" + in + " out=" + out + " "), line);
    } finally {
      Sync.await(client.close());
    }
  }

  @Test
  void anH2cListenersFirstRequestAndPriorKnowledgePrefaceAreCounted() throws Exception {
    http = TestPorts.free();
    gw = gateway.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "http2_enable":true}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(http, members(a)));
    // Vert.x reads a whole first head (or the HTTP/2 preface and SETTINGS) before it hands the connection over
    try (RawHttp raw = new RawHttp(http)) {
      exchange("web", raw, "GET /bytes-5 HTTP/1.1\r\nHost: x\r\n\r\n", "/bytes-5");
    }
    long in0 = bytes("web", "in");
    try (RawH2 h2 = RawH2.h2c(http)) {
      assertEquals(200, h2.get(1, "/bytes-6").flush().status(1));
    }
    String line = gw.awaitAccessLog("path=/bytes-6 ");
    long in = bytes("web", "in") - in0;
    // the preface, SETTINGS, its ACK and a HEADERS frame at least
    assertTrue(in >= RawH2.PREFACE.length + 3 * 9 + "/bytes-6".length(), "in=" + in + ": " + line);
    assertTrue(line.contains(" in=" + in + " "), line);
  }

  @Test
  void theGatewaysOwnAnswersCountWhatWasReadAndWrittenOnOneLineEach() {
    start(",\"client_timeout\":0.5");
    String bad = "GET /a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n";
    try (RawHttp raw = new RawHttp(http)) {
      RawHttp.Response r = raw.send(bad).read();
      assertEquals(400, r.status());
      String line = gw.awaitAccessLog("status=400");
      assertTrue(line.contains(" in=" + bad.length() + " out=" + (r.head().length() + r.body().length()) + " "), line);
    }
    String partial = "GET /never-ends HTTP/1.1\r\nHost: x\r\n";
    try (RawHttp raw = new RawHttp(http)) {
      RawHttp.Response r = raw.send(partial).read();
      assertEquals(408, r.status());
      String line = gw.awaitAccessLog("status=408");
      assertTrue(line.contains(" in=" + partial.length() + " out=" + (r.head().length() + r.body().length()) + " "),
          line);
      assertTrue(raw.closedByPeer());
    }
    // a later request's line comes after anything the 408's connection could still log
    try (RawHttp raw = new RawHttp(http)) {
      assertEquals(200, raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      gw.awaitAccessLog("path=/after ");
    }
    assertEquals(1, gw.accessLogLines("status=400").size(), "the 408 has no phantom 400 beside it");
    assertEquals(1, gw.accessLogLines("status=408").size());
  }

  /** Sends {@code request} on a kept-alive connection and checks the meter's deltas against it and the log. */
  void exchange(String listener, RawHttp raw, String request, String path) {
    long in0 = bytes(listener, "in");
    long out0 = bytes(listener, "out");
    RawHttp.Response r = raw.send(request).read();
    assertEquals(200, r.status());
    String line = gw.awaitAccessLog("path=" + path + " ");
    long in = bytes(listener, "in") - in0;
    long out = bytes(listener, "out") - out0;
    assertEquals(request.length(), in, "the request head and body as sent");
    assertEquals(r.head().length() + r.body().length(), out, "the response head and body as received");
    assertTrue(line.contains(" in=" + in + " out=" + out + " "), line);
  }

  long bytes(String listener, String direction) {
    double v = PrometheusText.value(gw.metrics(), "gatehouse_listener_bytes_total", "listener=" + listener,
        "direction=" + direction);
    return Math.max(0, (long) v);
  }
}
