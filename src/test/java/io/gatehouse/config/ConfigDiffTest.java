package io.gatehouse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDiffTest {

  static GatehouseConfig parse(String singleQuoted) {
    ConfigResult r = ConfigParser.parse(singleQuoted.replace('\'', '"'), Path.of("."));
    assertEquals(List.of(), r.errorLines());
    return r.config();
  }

  static final String BASE = """
      { 'listeners': [
          { 'name': 'keep', 'protocol': 'TCP', 'protocol_port': 7000, 'default_pool': 'p' },
          { 'name': 'tune', 'protocol': 'TCP', 'protocol_port': 7001, 'default_pool': 'p' },
          { 'name': 'move', 'protocol': 'TCP', 'protocol_port': 7002, 'default_pool': 'p' },
          { 'name': 'gone', 'protocol': 'UDP', 'protocol_port': 7003, 'default_pool': 'u' } ],
        'pools': [
          { 'name': 'p', 'protocol': 'TCP', 'members': [ { 'address': '10.0.0.1', 'protocol_port': 80 } ] },
          { 'name': 'same', 'protocol': 'TCP', 'members': [] },
          { 'name': 'u', 'protocol': 'UDP', 'members': [] } ] }
      """;

  @Test
  void sortsEveryChangeIntoAddedRemovedInPlaceAndReplaced() {
    GatehouseConfig next = parse("""
        { 'admin': { 'port': 9911 },
          'listeners': [
            { 'name': 'keep', 'protocol': 'TCP', 'protocol_port': 7000, 'default_pool': 'p' },
            { 'name': 'tune', 'protocol': 'TCP', 'protocol_port': 7001, 'default_pool': 'p', 'connection_limit': 5 },
            { 'name': 'move', 'protocol': 'TCP', 'protocol_port': 7012, 'default_pool': 'p' },
            { 'name': 'new', 'protocol': 'TCP', 'protocol_port': 7004, 'default_pool': 'q' } ],
          'pools': [
            { 'name': 'p', 'protocol': 'TCP', 'members': [ { 'address': '10.0.0.1', 'protocol_port': 80, 'weight': 3 } ] },
            { 'name': 'same', 'protocol': 'TCP', 'members': [] },
            { 'name': 'q', 'protocol': 'TCP', 'members': [] } ] }
        """);
    ConfigDiff d = ConfigDiff.between(parse(BASE), next);
    assertEquals(List.of("new"), d.addedListeners().stream().map(ListenerConfig::name).toList());
    assertEquals(List.of("gone"), d.removedListeners().stream().map(ListenerConfig::name).toList());
    assertEquals(List.of("tune"), d.changedInPlace().stream().map(ListenerConfig::name).toList());
    assertEquals(List.of("move"), d.replacedListeners().stream().map(ListenerConfig::name).toList());
    assertEquals(List.of("q"), d.addedPools().stream().map(PoolConfig::name).toList());
    assertEquals(List.of("u"), d.removedPools().stream().map(PoolConfig::name).toList());
    assertEquals(List.of("p"), d.changedPools().stream().map(PoolConfig::name).toList());
    assertEquals(List.of("admin"), d.needRestart());
  }

  @Test
  void headLimitsChangeInPlaceUnlessHttp2FixedTheSizeAtBind() {
    String listeners = """
        { 'listeners': [
            { 'name': 'h1', 'protocol': 'HTTP', 'protocol_port': 8080, 'default_pool': 'w'%s },
            { 'name': 'h2', 'protocol': 'HTTP', 'protocol_port': 8081, 'default_pool': 'w', 'http2_enable': true%s } ],
          'pools': [ { 'name': 'w', 'protocol': 'HTTP', 'members': [] } ] }
        """;
    GatehouseConfig before = parse(listeners.formatted("", ""));
    ConfigDiff sizes = ConfigDiff.between(before,
        parse(listeners.formatted(", 'max_header_size': 4096", ", 'max_header_size': 4096")));
    assertEquals(List.of("h1"), sizes.changedInPlace().stream().map(ListenerConfig::name).toList());
    assertEquals(List.of("h2"), sizes.replacedListeners().stream().map(ListenerConfig::name).toList());
    ConfigDiff counts = ConfigDiff.between(before,
        parse(listeners.formatted(", 'max_headers': 20", ", 'max_headers': 20")));
    assertEquals(List.of("h1", "h2"), counts.changedInPlace().stream().map(ListenerConfig::name).toList());
    assertEquals(List.of(), counts.replacedListeners());
  }

  @Test
  void theSameVersionHasNoChange() {
    assertTrue(ConfigDiff.between(parse(BASE), parse(BASE)).isEmpty());
  }
}
