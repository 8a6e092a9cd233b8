package io.gatehouse.listener;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.RawHttp;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated request heads (a valid request with random methods, targets, versions, headers, framing, line ends,
 * then random bytes inserted, deleted or replaced) through a real socket to an HTTP listener in front of a real
 * member. Whatever arrives, the gateway answers (the member's answer or its own) or closes that connection
 * within a deadline, logs no unexpected exception, and serves the next client.
 */
class HttpRequestFuzzTest {

  /** Past client_timeout (an incomplete head or body gets 408) and any member answer: a hang. */
  private static final int DEADLINE_MILLIS = 5_000;

  static Backends backends;
  static GatewayHarness gw;
  static int port;
  static final List<LogRecord> errors = new ArrayList<>();
  static final Handler errorLog = new Handler() {
    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.SEVERE.intValue() || r.getThrown() != null) {
        synchronized (errors) {
          errors.add(r);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeContainer
  static void start() {
    backends = new Backends();
    port = TestPorts.free();
    // a short client_timeout keeps the stalled cases (a head or body that never ends) quick
    gw = GatewayHarness.start("{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTP","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "client_timeout":0.2,"member_timeout":3,"max_body_size":1000}],
        "pools":[{"name":"p","protocol":"HTTP","members":%s}]}
        """.formatted(port, members(backends.http("a", false, HttpRequestFuzzTest::answer))));
    Logger.getLogger("").addHandler(errorLog);
  }

  /** The member reads the whole body, then answers; a request the gateway gives up on is no error of the member's. */
  private static void answer(HttpServerRequest req) {
    req.exceptionHandler(e -> { });
    req.response().exceptionHandler(e -> { });
    req.endHandler(v -> req.response().end("member"));
  }

  @AfterContainer
  static void stop() {
    Logger.getLogger("").removeHandler(errorLog);
    gw.close();
    backends.close();
  }

  @Property(tries = 250, edgeCases = EdgeCasesMode.MIXIN) // the edge cases alone would fill every try
  void anyRequestIsAnsweredOrClosedAndTheNextClientServed(@ForAll("requests") byte[] request) throws IOException {
    String shown = new String(request, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    synchronized (errors) {
      errors.clear();
    }
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(DEADLINE_MILLIS);
      try {
        s.getOutputStream().write(request);
      } catch (IOException e) {
        // the gateway may refuse and close before all is written
      }
      String status = statusLine(s.getInputStream(), shown);
      // Vert.x answers an unknown version (HTTP/1.2, !HTTP/1.1: 501) with that version in the status line
      assertTrue(status.isEmpty() || status.matches("\\S+ [1-5]\\d\\d( .*)?"), status + " for " + shown);
    }
    try (RawHttp next = new RawHttp(port)) {
      assertEquals(200, next.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read().status(),
          "after " + shown);
    }
    synchronized (errors) {
      assertTrue(errors.isEmpty(), () -> "logged " + errors.get(0).getLoggerName() + ": " + errors.get(0).getMessage() + " " + errors.get(0).getThrown()
          + " for " + shown);
    }
  }

  /** The first response's status line, or "" when the gateway closed (or reset) with nothing sent. */
  private static String statusLine(InputStream in, String shown) {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      for (int b; (b = in.read()) != '\n'; ) {
        if (b < 0) {
          return line.toString(StandardCharsets.ISO_8859_1).trim();
        }
        line.write(b);
      }
    } catch (SocketTimeoutException e) {
      fail("neither answered nor closed within " + DEADLINE_MILLIS + " ms: " + shown);
    } catch (IOException e) {
      // a reset: closed
    }
    return line.toString(StandardCharsets.ISO_8859_1).trim();
  }

  // --- generators ---

  /** How a body is framed, right or wrong. */
  enum Framing {
    NONE(""), LENGTH("Content-Length: 3|abc"), SHORT_LENGTH("Content-Length: 2|abc"),
    LONG_LENGTH("Content-Length: 9|abc"), CHUNKED("Transfer-Encoding: chunked|3\r\nabc\r\n0\r\n\r\n"),
    CHUNKED_AND_LENGTH("Transfer-Encoding: chunked\r\nContent-Length: 3|3\r\nabc\r\n0\r\n\r\n"),
    TWO_LENGTHS("Content-Length: 3\r\nContent-Length: 4|abcd"), ODD_CODING("Transfer-Encoding: xchunked|abc"),
    GZIP_CHUNKED("Transfer-Encoding: gzip, chunked|0\r\n\r\n"), BAD_CHUNK("Transfer-Encoding: chunked|zz\r\n"),
    LENGTH_SIGNED("Content-Length: +3|abc"), LENGTH_HUGE("Content-Length: 99999999999999999999|abc"),
    OVER_MAX_BODY("Content-Length: 2000|" + "x".repeat(2000));

    final String headers;
    final String body;

    Framing(String spec) {
      int bar = spec.indexOf('|');
      headers = bar < 0 ? spec : spec.substring(0, bar);
      body = bar < 0 ? "" : spec.substring(bar + 1);
    }
  }

  /** One byte-level change at a relative position (0-1) of the request. */
  record Mutation(int kind, double at, char c) {}

  @Provide
  Arbitrary<byte[]> requests() {
    // mostly valid choices, so that about a third of the requests reach the member
    Arbitrary<String> method = Arbitraries.of("GET", "GET", "POST", "POST", "PUT", "HEAD", "DELETE", "OPTIONS",
        "CONNECT", "G T", "");
    Arbitrary<String> target = Arbitraries.of("/", "/echo", "/a?b=c&d", "*", "http://x/echo", "/%00", "/a b",
        "x", "/" + "a".repeat(300));
    Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0",
        "HTTP/1.2", "HTTP/2.0", "http/1.1", "HTTP/1.1 ", "");
    Arbitrary<List<Tuple.Tuple2<String, String>>> headers = Combinators.combine(headerName(), headerValue())
        .as(Tuple::of).list().ofMaxSize(4);
    Arbitrary<List<String>> lineEnds = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.just("\r\n")), Tuple.of(1, Arbitraries.just("\n")),
        Tuple.of(1, Arbitraries.just("\r")), Tuple.of(1, Arbitraries.just("\r\r\n")))
        .list().ofMinSize(1).ofMaxSize(6);
    Arbitrary<List<Mutation>> mutations = Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(List.of())),
        Tuple.of(1, Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.doubles().between(0, 1),
            anyChar()).as(Mutation::new).list().ofMinSize(1).ofMaxSize(3)));
    return Combinators.combine(method, target, version, headers, Arbitraries.of(Framing.values()), lineEnds,
        mutations).as(HttpRequestFuzzTest::build);
  }

  private static Arbitrary<String> headerName() {
    return Arbitraries.frequencyOf(Tuple.of(3,
        Arbitraries.of("Host", "Connection", "Upgrade", "Expect", "Cookie", "X-Forwarded-For", "Content-Length",
            "Transfer-Encoding", "TE", "Trailer", "Proxy-Authorization", "X-Client-Cert-Subject", "Keep-Alive")),
        Tuple.of(1, Arbitraries.strings().withChars("aZ0-_: \t\r\n\u0000\u007f\u00ff").ofMaxLength(8)));
  }

  private static Arbitrary<String> headerValue() {
    return Arbitraries.frequencyOf(Tuple.of(3,
        Arbitraries.of("close", "keep-alive", "upgrade", "websocket", "h2c", "100-continue", "chunked", "0",
            "GATEHOUSE_STICKY=a.b.c", "x-a, close", "1.2.3.4", "upgrade, Host")),
        Tuple.of(1, Arbitraries.strings().withChars("a0 ,;=\t\r\n\u0000\u0001\u007f\u00e9").ofMaxLength(12)));
  }

  private static Arbitrary<Character> anyChar() {
    return Arbitraries.oneOf(Arbitraries.chars().range('\u0000', '\u00ff'), Arbitraries.of('\r', '\n', ' ', ':'));
  }

  private static byte[] build(String method, String target, String version, List<Tuple.Tuple2<String, String>> headers,
      Framing framing, List<String> lineEnds, List<Mutation> mutations) {
    List<String> lines = new ArrayList<>();
    lines.add(method + " " + target + " " + version);
    lines.add("Host: x");
    headers.forEach(h -> lines.add(h.get1() + ": " + h.get2()));
    if (!framing.headers.isEmpty()) {
      lines.addAll(List.of(framing.headers.split("\r\n")));
    }
    lines.add("");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      text.append(lines.get(i)).append(lineEnds.get(i % lineEnds.size()));
    }
    text.append(framing.body);
    for (Mutation m : mutations) {
      int at = (int) (m.at() * text.length());
      switch (m.kind()) {
        case 0 -> text.insert(at, m.c());
        case 1 -> text.deleteCharAt(Math.min(at, text.length() - 1));
        default -> text.setCharAt(Math.min(at, text.length() - 1), m.c());
      }
    }
    return text.toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}
