package io.gatehouse.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Hop-by-hop filtering both ways: what the client or member lists in Connection never crosses the gateway. */
class HopByHopTest {

  private static final List<String> NAMES = List.of("x-a", "X-B", "x-secret", "keep-alive", "te", "trailer",
      "upgrade", "proxy-authorization", "proxy", "accept", "cookie", "x-client-cert-subject", "host");

  @Test
  void namesListedInConnectionAreRemovedWhateverTheSpacing() {
    assertTrue(HopByHop.listedIn(List.of("a,\tx-secret"), "x-secret"), "a tab before the name");
    assertTrue(HopByHop.listedIn(List.of("a , X-Secret\t"), "x-secret"), "spaces, tabs and case");
    assertTrue(HopByHop.listedIn(List.of("close", "x-secret"), "X-SECRET"), "a second Connection line");
    assertFalse(HopByHop.listedIn(List.of("x-secrets, secret"), "x-secret"), "whole tokens only");
  }

  @Test
  void aResponseKeepsEndToEndHeadersAndDropsTheRest() {
    HttpHeaders member = DefaultHttpHeadersFactory.headersFactory().newHeaders()
        .add("Connection", "keep-alive, x-internal").add("Keep-Alive", "timeout=5").add("X-Internal", "1")
        .add("Transfer-Encoding", "chunked").add("Set-Cookie", "a=1").add("Set-Cookie", "b=2")
        .add("Content-Type", "text/plain");
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    HopByHop.copy(member, out, false);
    assertEquals(List.of("a=1", "b=2"), out.getAll("set-cookie"));
    assertEquals("text/plain", out.get("content-type"));
    assertEquals(3, out.entries().size(), out.toString());
  }

  /**
   * Whatever the headers and whatever the Connection header lists (with any spacing), a copy holds exactly the
   * headers that are neither hop-by-hop nor listed, with their values, on both request paths (Vert.x headers
   * read as Netty headers, as HTTP/1 gives them, and a plain multimap, as HTTP/2 does).
   */
  @Property(tries = 300)
  void aCopyHoldsExactlyTheEndToEndHeaders(@ForAll("headers") List<Map.Entry<String, String>> headers,
      @ForAll("connection") String connection) {
    for (MultiMap from : List.of(io.vertx.core.http.HttpHeaders.headers(), MultiMap.caseInsensitiveMultiMap())) {
      headers.forEach(e -> from.add(e.getKey(), e.getValue()));
      if (!connection.isEmpty()) {
        from.add("Connection", connection);
      }
      HttpHeaders to = DefaultHttpHeadersFactory.headersFactory().newHeaders();
      HopByHop.copy(from, to, false);
      List<String> listed = Stream.of(connection.toLowerCase(Locale.ROOT).split(",")).map(String::strip).toList();
      for (Map.Entry<String, String> e : headers) {
        String name = e.getKey().toLowerCase(Locale.ROOT);
        boolean shouldGo = HopByHop.isHopByHop(name) || listed.contains(name);
        assertEquals(!shouldGo, to.getAll(name).contains(e.getValue()),
            name + " with Connection: " + connection + " from " + from.getClass().getSimpleName());
      }
      assertFalse(to.contains("connection"), "Connection itself never crosses");
    }
  }

  @Provide
  Arbitrary<List<Map.Entry<String, String>>> headers() {
    return Arbitraries.of(NAMES).flatMap(n -> Arbitraries.strings().alpha().ofMaxLength(8).map(v -> Map.entry(n, v)))
        .list().ofMaxSize(12);
  }

  @Provide
  Arbitrary<String> connection() {
    Arbitrary<String> token = Arbitraries.of(NAMES).flatMap(n -> Arbitraries.of(n, n.toUpperCase(Locale.ROOT)));
    Arbitrary<String> ows = Arbitraries.of("", " ", "\t", " \t");
    return token.flatMap(t -> ows.map(w -> w + t + w)).list().ofMaxSize(4).map(l -> String.join(",", l));
  }
}
