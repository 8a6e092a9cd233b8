package io.gatehouse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a configuration holds, the validator answers with a configuration or with `config error:` lines:
 * it never throws, never returns both, and every error names a JSON path from the root.
 */
class ConfigFuzzTest {

  /** Every field a document can hold, at the places the base document has them. */
  static final String[] PATHS = {
      "node.name", "node.event_loops", "admin.port", "admin.host", "admin.token", "cluster.enabled",
      "reload.scan_period_ms", "drain_timeout", "access_log",
      "listeners[0].name", "listeners[0].protocol", "listeners[0].host", "listeners[0].protocol_port",
      "listeners[0].default_pool", "listeners[0].connection_limit", "listeners[0].client_timeout",
      "listeners[0].member_timeout", "listeners[0].keepalive_timeout", "listeners[0].insert_headers",
      "listeners[0].http2_enable", "listeners[0].ip_group", "listeners[0].l7_policies", "listeners[1].proxy_protocol",
      "listeners[0].max_body_size", "listeners[0].max_header_size", "listeners[0].max_headers", "listeners[3].tls", "listeners[3].tls.security_policy", "listeners[1].tls",
      "listeners[0].accept_proxy_protocol", "pools[0].name", "pools[0].protocol", "pools[0].lb_algorithm",
      "pools[0].session_persistence", "pools[0].health_monitor", "pools[0].slow_start", "pools[0].members",
      "pools[0].members[0]", "pools[0].outlier_detection", "listeners", "pools", "listeners[0]", "pools[0]"};

  @Provide
  Arbitrary<Object> values() {
    Arbitrary<Object> scalars = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(20).map(s -> (Object) s),
        Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.of("TCP", "UDP", "SSL", "HTTP", "HTTPS", "ROUND_ROBIN", "SOURCE_IP", "10.0.0.0/8", "::1",
            "tls-1-3", "", "-1", "0").map(s -> (Object) s));
    return Arbitraries.oneOf(scalars,
        scalars.list().ofMaxSize(3).map(l -> (Object) new JsonArray(l)),
        Arbitraries.of("type", "cidrs", "name", "value", "members", "address", "protocol_port").flatMap(k ->
            scalars.map(v -> (Object) new JsonObject().put(k, v))),
        Arbitraries.just((Object) new JsonObject()));
  }

  @Property(tries = 400)
  void anyValueAnywhereGivesAConfigurationOrErrorsNeverAnException(
      @ForAll("paths") String path, @ForAll("values") Object value) {
    JsonObject doc = TestDocuments.base();
    TestDocuments.with(doc, path, "null");
    setAt(doc, path, value);
    ConfigResult r = ConfigParser.parse(doc.encode(), Path.of("/nonexistent"));
    check(r);
  }

  @Property(tries = 300)
  void anyTextGivesErrorsOrAConfigurationNeverAnException(@ForAll("texts") String text) {
    check(ConfigParser.parse(text, Path.of("/nonexistent")));
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.of(PATHS);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200),
        Arbitraries.strings().withChars("{}[]\",:0123456789truefalsnul ").ofMaxLength(200));
  }

  private static void check(ConfigResult r) {
    assertNotNull(r);
    if (r.ok()) {
      assertNotNull(r.config());
    } else {
      assertNull(r.config());
      r.errorLines().forEach(line -> assertTrue(line.startsWith("config error: $"), line));
    }
    assertEquals(r.ok(), r.errors().isEmpty());
  }

  /** Puts a raw value at a path whose parent exists now (the base document with null at that path). */
  private static void setAt(JsonObject doc, String path, Object value) {
    int dot = path.lastIndexOf('.');
    String last = path.substring(dot + 1);
    Object parent = dot < 0 ? doc : resolve(doc, path.substring(0, dot));
    int bracket = last.indexOf('[');
    if (bracket < 0) {
      ((JsonObject) parent).put(last, value);
    } else {
      JsonArray a = ((JsonObject) parent).getJsonArray(last.substring(0, bracket));
      a.set(Integer.parseInt(last.substring(bracket + 1, last.length() - 1)), value);
    }
  }

  private static Object resolve(JsonObject doc, String path) {
    Object at = doc;
    for (String step : path.split("\\.")) {
      int bracket = step.indexOf('[');
      String field = bracket < 0 ? step : step.substring(0, bracket);
      at = ((JsonObject) at).getValue(field);
      if (bracket >= 0) {
        at = ((JsonArray) at).getValue(Integer.parseInt(step.substring(bracket + 1, step.length() - 1)));
      }
    }
    return at;
  }
}
