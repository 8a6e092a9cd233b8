package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.REMOVE;
import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.parse;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Weighted splits between pools: {@code default_pools}, {@code redirect_pools}, {@code split_sticky}. */
class SplitConfigTest {
  /** Listener web with default_pools instead of default_pool. */
  private static JsonObject split(String pools) {
    return with(with(base(), "listeners[0].default_pool", REMOVE), "listeners[0].default_pools", pools);
  }

  @Test
  void aSplitIsReadWithItsWeightsAndTheSingleFormIsASplitOfOne() {
    JsonObject doc = with(split("[{'pool':'web-pool','weight':95},{'pool':'api-pool','weight':5}]"),
        "listeners[0].split_sticky", "{'enable':true,'duration':1.5}");
    with(doc, "listeners[0].l7_policies[0].redirect_pool", REMOVE);
    with(doc, "listeners[0].l7_policies[0].redirect_pools", "[{'pool':'api-pool'},{'pool':'web-pool','weight':0}]");
    ConfigResult r = parse(doc);
    assertEquals(List.of(), r.errorLines());
    ListenerConfig web = r.config().listeners().get(0);
    assertEquals(List.of(new PoolWeight("web-pool", 95), new PoolWeight("api-pool", 5)), web.defaultPools());
    assertNull(web.defaultPool(), "no single default pool");
    assertEquals(new SplitSticky(true, Duration.ofMillis(1500)), web.splitSticky());
    assertEquals("web-pool:95,api-pool:5", web.defaultPoolsText());
    assertEquals(List.of(new PoolWeight("api-pool", 1), new PoolWeight("web-pool", 0)),
        web.l7Policies().get(0).redirectPools(), "weight 1 by default; 0 allowed");
    ListenerConfig secure = r.config().listeners().get(3);
    assertEquals(List.of(new PoolWeight("web-pool", 1)), secure.defaultPools());
    assertEquals(SplitSticky.OFF, secure.splitSticky());
    JsonObject l4 = with(with(base(), "listeners[2].default_pool", REMOVE), "listeners[2].default_pools",
        "[{'pool':'udp-pool','weight':2}]");
    assertEquals(List.of(new PoolWeight("udp-pool", 2)), parse(l4).config().listeners().get(2).defaultPools());
    assertEquals(new SplitSticky(true, Duration.ofHours(1)), parse(with(base(), "listeners[0].split_sticky",
        "{'enable':true}")).config().listeners().get(0).splitSticky(), "an hour by default");
  }

  @Test
  void splitStickyWithoutASplitIsAWarning() {
    ConfigResult r = parse(with(base(), "listeners[0].split_sticky", "{'enable':true}"));
    assertEquals(List.of(), r.errorLines());
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    assertTrue(r.warnings().get(0).toString().contains("$.listeners[0].split_sticky: no split between pools"),
        r.warnings().toString());
    assertEquals(List.of(), parse(with(split("[{'pool':'web-pool'},{'pool':'api-pool'}]"),
        "listeners[0].split_sticky", "{'enable':true}")).warnings());
  }

  static Stream<Arguments> rules() {
    String both = "listeners[0].default_pools";
    return Stream.of(
        rule(with(base(), both, "[{'pool':'web-pool'}]"), "$.listeners[0].default_pools: $.listeners[0].default_pool"
            + " and $.listeners[0].default_pools exclude each other: give one"),
        rule(with(base(), "listeners[0].l7_policies[0].redirect_pools", "[{'pool':'web-pool'}]"),
            "$.listeners[0].l7_policies[0].redirect_pools: $.listeners[0].l7_policies[0].redirect_pool and"
                + " $.listeners[0].l7_policies[0].redirect_pools exclude each other: give one"),
        rule(split("[]"), "$.listeners[0].default_pools: must name at least one pool"),
        rule(split("{'pool':'web-pool'}"), "$.listeners[0].default_pools: must be a list"),
        rule(split("['web-pool']"), "$.listeners[0].default_pools[0]: must be an object"),
        rule(split("[{'weight':1}]"), "$.listeners[0].default_pools[0].pool: is required"),
        rule(split("[{'pool':'nope'}]"), "$.listeners[0].default_pools[0].pool: no pool named \"nope\""),
        rule(split("[{'pool':'tcp-pool'}]"), "$.listeners[0].default_pools[0].pool: pool \"tcp-pool\" has protocol"
            + " TCP, which a HTTP listener cannot use"),
        rule(split("[{'pool':'web-pool','weight':257}]"), "$.listeners[0].default_pools[0].weight: must be 0-256"),
        rule(split("[{'pool':'web-pool','weight':-1}]"), "$.listeners[0].default_pools[0].weight: must be 0-256"),
        rule(split("[{'pool':'web-pool','weight':0},{'pool':'api-pool','weight':0}]"),
            "$.listeners[0].default_pools: at least one pool needs a weight above 0"),
        rule(split("[{'pool':'web-pool'},{'pool':'api-pool'},{'pool':'web-pool','weight':3}]"),
            "$.listeners[0].default_pools[2].pool: pool \"web-pool\" is already in $.listeners[0].default_pools"),
        rule(split("[{'pool':'web-pool','wieght':3}]"),
            "$.listeners[0].default_pools[0].wieght: unknown field (did you mean weight?)"),
        rule(with(with(base(), "listeners[1].default_pool", REMOVE), "listeners[1].default_pools",
            "[{'pool':'udp-pool'}]"), "$.listeners[1].default_pools[0].pool: pool \"udp-pool\" has protocol UDP,"
                + " which a TCP listener cannot use"),
        rule(with(base(), "listeners[2].split_sticky", "{'enable':true}"),
            "$.listeners[2].split_sticky: only HTTP and HTTPS listeners take split_sticky (a cookie); TCP, SSL and"
                + " UDP clients keep their pool by its SOURCE_IP session_persistence"),
        rule(with(base(), "listeners[0].split_sticky", "{'enable':true,'duration':0}"),
            "$.listeners[0].split_sticky.duration: must be 1-86400"),
        rule(with(base(), "listeners[0].split_sticky", "{'enabled':true}"),
            "$.listeners[0].split_sticky.enabled: unknown field (did you mean enable?)"),
        rule(with(base(), "listeners[0].default_pool", REMOVE), "$.listeners[0].default_pool: is required"));
  }

  private static Arguments rule(JsonObject doc, String line) {
    return Arguments.of(line, doc);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void reportsExactlyTheContractLine(String line, JsonObject doc) {
    ConfigResult result = parse(doc);
    assertEquals(List.of("config error: " + line), result.errorLines());
    assertNull(result.config());
  }
}
