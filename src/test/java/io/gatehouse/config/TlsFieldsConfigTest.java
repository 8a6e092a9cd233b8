package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tls.engine}, and an HTTPS pool's {@code ca_certificate} and {@code tls_server_name}. */
class TlsFieldsConfigTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void pems() throws IOException {
    TestDocuments.writePems(dir);
  }

  private static ConfigResult parse(io.vertx.core.json.JsonObject doc) {
    return ConfigParser.parse(doc.encode(), dir);
  }

  @Test
  void engineDefaultsToBoringSsl() {
    GatehouseConfig c = parse(base()).config();
    assertEquals(TlsConfig.Engine.BORINGSSL, c.listener("secure").orElseThrow().tls().engine());
    GatehouseConfig jdk = parse(with(base(), "listeners[3].tls.engine", "'jdk'")).config();
    assertEquals(TlsConfig.Engine.JDK, jdk.listener("secure").orElseThrow().tls().engine());
  }

  @Test
  void aChangedEngineReplacesTheListener() {
    GatehouseConfig before = parse(base()).config();
    GatehouseConfig after = parse(with(base(), "listeners[3].tls.engine", "'jdk'")).config();
    ConfigDiff diff = ConfigDiff.between(before, after);
    assertEquals(List.of("secure"), diff.replacedListeners().stream().map(ListenerConfig::name).toList());
    assertEquals(List.of(), diff.changedInPlace());
  }

  @Test
  void memberVerificationFieldsResolveAgainstTheConfigurationFolder() {
    ConfigResult r = parse(with(base(), "pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', "
        + "'ca_certificate': 'ca.pem', 'tls_server_name': 'api.example.test', 'members': []}"));
    assertEquals(List.of(), r.errorLines());
    assertEquals(List.of(), r.warnings());
    assertEquals(new MemberTlsConfig(dir.resolve("ca.pem").toAbsolutePath().normalize(), "api.example.test"),
        r.config().pool("api-pool").orElseThrow().memberTls());
  }

  @Test
  void anHttpsPoolWithoutCaIsWarnedAbout() {
    ConfigResult r = parse(with(base(), "pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', 'members': []}"));
    assertTrue(r.ok(), r.errorLines().toString());
    assertEquals(List.of("config warning: $.pools[1]: HTTPS pool without ca_certificate: any member certificate is "
        + "accepted, so whoever can intercept the path to a member can read and change its traffic"), r.warnings());
    assertEquals(MemberTlsConfig.NONE, r.config().pool("api-pool").orElseThrow().memberTls());
  }

  @Test
  void aNameWithoutCaIsSentButNotVerified() {
    ConfigResult r = parse(with(base(), "pools[1]", "{'name': 'api-pool', 'protocol': 'HTTPS', "
        + "'tls_server_name': 'api.example.test', 'members': []}"));
    MemberTlsConfig m = r.config().pool("api-pool").orElseThrow().memberTls();
    assertEquals("api.example.test", m.serverName());
    assertTrue(!m.verifies());
    assertEquals(1, r.warnings().size(), r.warnings().toString());
  }
}
