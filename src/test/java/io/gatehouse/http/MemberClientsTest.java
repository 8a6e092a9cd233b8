package io.gatehouse.http;

import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.gatehouse.testkit.Await;
import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayExtension;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.netty.channel.ChannelOption;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
  void aHeadResponseAfterAnInterimOneHasNoBodyAndTheConnectionIsReused() throws Exception {
    // Netty's client codec took HEAD off its queue for the 103, then waited for the 200's five "body" bytes
    AtomicInteger heads = new AtomicInteger();
    Backends.Member m = byHand("hints", heads, so -> head -> {
      so.write(head.startsWith("HEAD ")
          ? "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
          : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      return true;
    });
    start(m);
    HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(3)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, head.statusCode());
    assertEquals("5", head.headers().firstValue("Content-Length").orElse(null));
    HttpResponse<String> next = get("/");
    assertEquals(200, next.statusCode());
    assertEquals("ok", next.body());
    assertEquals(2, heads.get());
    assertEquals(1, m.open.get(), "the GET went on the HEAD's connection: it ended where the member's answer did");
  }

  @Test
  void aHeaderNameWithMoreThanWhitespaceBeforeItsColonIsA502() throws Exception {
    // Netty read "Content-Length junk: 2" as Content-Length: 2; a client or a proxy behind would not
    Backends.Member junk = gateway.backends().tcp("junk", so -> so.handler(b ->
        so.write("HTTP/1.1 200 OK\r\nContent-Length junk: 2\r\n\r\nhi")));
    start(junk);
    assertEquals(502, get("/").statusCode());
    Backends.Member spaced = gateway.backends().tcp("spaced", so -> so.handler(b ->
        so.write("HTTP/1.1 200 OK\r\nContent-Length : 2\r\nX-A\t: b\r\n\r\nhi")));
    start(spaced);
    HttpResponse<String> r = get("/");
    assertEquals(200, r.statusCode(), "whitespace alone is removed (RFC 9112 5.1)");
    assertEquals("hi", r.body());
    assertEquals("b", r.headers().firstValue("X-A").orElse(null));
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

  /**
   * A member speaking HTTP/1.1 by hand: it answers the first request of each connection (keep-alive), and at the
   * next request on that connection closes it without answering ({@code reset}: with a reset) - the race a pooled
   * connection loses when the member's idle timeout fires just as the gateway reuses it. Counts request heads.
   */
  private Backends.Member closingAtReuse(String name, boolean reset, AtomicInteger heads) {
    return byHand(name, heads, so -> {
      int[] answered = {0};
      return head -> {
        if (answered[0]++ > 0) {
          if (reset) {
            ((NetSocketInternal) so).channelHandlerContext().channel().config().setOption(ChannelOption.SO_LINGER, 0);
          }
          so.close();
          return false;
        }
        // HEAD: an empty length, as RawHttp reads a response by its Content-Length whatever the method
        so.write(head.startsWith("HEAD ") ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return true;
      };
    });
  }

  /**
   * A member speaking HTTP/1.1 by hand, without request bodies: each connection's {@code answerer} gets its request
   * heads in order and writes the answers; it returns false once it has closed the connection. Counts heads.
   */
  private Backends.Member byHand(String name, AtomicInteger heads,
      Function<NetSocket, Predicate<String>> answerer) {
    return gateway.backends().tcp(name, so -> {
      Predicate<String> answer = answerer.apply(so);
      StringBuilder got = new StringBuilder();
      so.handler(b -> {
        got.append(b.toString(StandardCharsets.ISO_8859_1));
        for (int end; (end = got.indexOf("\r\n\r\n")) >= 0; ) {
          String head = got.substring(0, end);
          got.delete(0, end + 4);
          heads.incrementAndGet();
          if (!answer.test(head)) {
            return;
          }
        }
      });
    });
  }

  @ParameterizedTest(name = "reset={0}")
  @ValueSource(booleans = {false, true})
  void aKeepAliveConnectionTheMemberDropsAtReuseIsRetriedOnAFreshOneForIdempotentRequestsOnly(boolean reset) {
    AtomicInteger heads = new AtomicInteger();
    Backends.Member m = closingAtReuse(reset ? "resetting" : "closing", reset, heads);
    // one failure would eject the member: a stale connection must not count as one
    GatewayHarness gw = gateway.start("", ",\"outlier_detection\":{\"enabled\":true,\"consecutive_failures\":1}",
        members(m));
    io.gatehouse.pool.Member member = gw.gateway().runtime().view().pool("p").member("127.0.0.1:" + m.port());
    try (RawHttp client = new RawHttp(gateway.port())) {
      assertEquals(200, client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      assertEquals(1, m.hits.get());
      int round = 0;
      for (String method : List.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS")) {
        round++;
        // the pooled connection is reused: the member drops it, the request goes again on a new connection
        String extra = method.equals("PUT") ? "Content-Length: 0\r\n" : "";
        RawHttp.Response r = client.send(method + " / HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n").read();
        assertEquals(200, r.status(), method + ": " + r.head());
        assertEquals(1 + 2 * round, heads.get(), method + ": once on the pooled connection, once on a new one");
        assertEquals(1 + round, m.hits.get(), method + ": member connections");
      }
      RawHttp.Response post = client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello").read();
      assertEquals(502, post.status(), "a POST the member may have acted on is not sent twice");
    }
    assertEquals(12, heads.get(), "the POST reached the member once");
    assertEquals(6, m.hits.get());
    assertEquals(0, member.failures(), "a connection dropped at reuse says nothing about the member's health");
    assertFalse(member.ejected());
    Await.until(Duration.ofSeconds(5), () -> member.active() == 0, () -> member.active() + " still active");
  }

  /** The same for an HTTP/2 client: a GET whose HEADERS ended the stream has no body, so it goes again too. */
  @Test
  void anHttp2ClientsGetIsRetriedOnAFreshConnectionToo() throws java.io.IOException {
    AtomicInteger heads = new AtomicInteger();
    Backends.Member m = closingAtReuse("resetting", true, heads);
    gateway.start(",\"http2_enable\":true", "", members(m));
    try (io.gatehouse.testkit.RawH2 h2 = io.gatehouse.testkit.RawH2.h2c(gateway.port())) {
      assertEquals(200, h2.get(1, "/").flush().outcomes(List.of(1)).get(1).status());
      assertEquals(200, h2.get(3, "/").flush().outcomes(List.of(3)).get(3).status(), "the GET was not sent again");
    }
    assertEquals(3, heads.get(), "once on the pooled connection, once on a new one");
    assertEquals(2, m.hits.get());
  }
}
