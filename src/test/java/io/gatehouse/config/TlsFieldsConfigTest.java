package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.parse;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code tls.engine}, {@code tls.ocsp_stapling} and {@code tls.ocsp_responder}, and an HTTPS pool's
 * {@code ca_certificate} and {@code tls_server_name}.
 */
class TlsFieldsConfigTest {
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
    assertEquals(new MemberTlsConfig(TestDocuments.pemDir().resolve("ca.pem").toAbsolutePath().normalize(), "api.example.test"),
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

  // tls.ocsp_stapling and tls.ocsp_responder: where they are taken and what is refused

  private static JsonObject stapling(String more) {
    return with(base(), "listeners[3].tls", "{'certificate': 'cert.pem', 'private_key': 'key.pem', "
        + "'ocsp_stapling': true" + more + "}");
  }

  @Test
  void offByDefaultAndTakenOnHttpsWithAResponder() {
    TlsConfig off = parse(base()).config().listener("secure").orElseThrow().tls();
    assertFalse(off.ocspStapling());
    assertNull(off.ocspResponder());
    ConfigResult r = parse(stapling(", 'ocsp_responder': 'http://ocsp.example.test:8080/ocsp'"));
    assertEquals(List.of(), r.errorLines());
    assertEquals(List.of(), r.warnings());
    TlsConfig on = r.config().listener("secure").orElseThrow().tls();
    assertTrue(on.ocspStapling());
    assertEquals(URI.create("http://ocsp.example.test:8080/ocsp"), on.ocspResponder());
  }

  @Test
  void theJdkEngineCannotStaple() {
    ConfigResult r = parse(stapling(", 'engine': 'jdk'"));
    assertEquals(List.of("config error: $.listeners[3].tls.ocsp_stapling: needs engine boringssl: the JDK's TLS "
        + "cannot staple a response the gateway fetched"), r.errorLines());
  }

  @Test
  void aListenerWithoutTlsOfItsOwnCannotStaple() {
    ConfigResult r = parse(with(base(), "listeners[1].tls", "{'certificate': 'cert.pem', 'private_key': 'key.pem', "
        + "'ocsp_stapling': true}"));
    assertTrue(r.errorLines().contains("config error: $.listeners[1].tls.ocsp_stapling: only SSL and HTTPS "
        + "listeners staple OCSP responses, not TCP"), r.errorLines().toString());
  }

  @Test
  void theAdminApiDoesNotStaple() {
    ConfigResult r = parse(with(base(), "admin", "{'tls': {'certificate': 'cert.pem', 'private_key': 'key.pem', "
        + "'ocsp_stapling': true}}"));
    assertTrue(r.errorLines().contains("config error: $.admin.tls.ocsp_stapling: the admin API does not staple OCSP "
        + "responses"), r.errorLines().toString());
  }

  @Test
  void aResponderMustBeAnHttpUrl() {
    for (String bad : List.of("ftp://ocsp.example.test/", "ocsp.example.test", "http:///path", "https://ocsp.example.test/")) {
      ConfigResult r = parse(stapling(", 'ocsp_responder': '" + bad + "'"));
      assertEquals(List.of("config error: $.listeners[3].tls.ocsp_responder: must be an http:// URL with a host "
          + "(like http://ocsp.example.com/), not " + bad), r.errorLines(), bad);
    }
  }

  @Test
  void aResponderWithoutStaplingIsWarnedAbout() {
    ConfigResult r = parse(with(base(), "listeners[3].tls.ocsp_responder", "'http://ocsp.example.test/'"));
    assertEquals(List.of(), r.errorLines());
    assertEquals(List.of("config warning: $.listeners[3].tls.ocsp_responder: ocsp_stapling is off, ignored"),
        r.warnings());
  }

  @Test
  void aMisspeltFieldIsNamed() {
    ConfigResult r = parse(with(base(), "listeners[3].tls.ocsp_stapeling", "true"));
    assertEquals(List.of("config error: $.listeners[3].tls.ocsp_stapeling: unknown field (did you mean "
        + "ocsp_stapling?)"), r.errorLines());
  }
}
