package io.gatehouse.tls;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.runtime.ReloadOutcome;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.Sync;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A reload that changes {@code tls.engine} replaces the listener on its port (the engine is fixed at bind): the next
 * handshakes get the new engine's suites, and the status document says which engine serves. {@code tls_rsa_signer}
 * is read at start-up only.
 */
class EngineReloadTest {

  @Test
  void aReloadSwitchesTheEngine() {
    assumeTrue(TlsEngine.of(TlsConfig.Engine.BORINGSSL) == TlsEngine.OPENSSL,
        "both engines are the JDK's here (forced by -D" + TlsEngine.PROPERTY + " or BoringSSL missing)");
    int port = TestPorts.free();
    String config = "{" + head() + """
        "listeners":[{"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "tls":{"certificate":"%s","private_key":"%s","engine":"%%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":[]}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY);
    try (GatewayHarness gw = GatewayHarness.start(config.formatted("boringssl"))) {
      assertEquals("boringssl", tls(gw).getString("engine"));
      assertTrue(SClient.offer(port, "TLSv1.2", "AES128-SHA256").refused(), "BoringSSL has no AES128-SHA256");

      gw.rewrite(config.formatted("jdk"));
      ReloadOutcome out = Sync.await(gw.gateway().runtime().reload());
      assertEquals(List.of(), out.errors());
      assertEquals("jdk", tls(gw).getString("engine"));
      assertEquals("AES128-SHA256", SClient.offer(port, "TLSv1.2", "AES128-SHA256").suite());
    }
  }

  @Test
  void tlsRsaSignerIsReadAtStartAndShownPerListener() throws Exception {
    assumeTrue(TlsEngine.of(TlsConfig.Engine.BORINGSSL) == TlsEngine.OPENSSL,
        "both engines are the JDK's here (forced by -D" + TlsEngine.PROPERTY + " or BoringSSL missing)");
    int port = TestPorts.free();
    String config = "{" + head() + """
        "tls_rsa_signer":"%%s",
        "listeners":[{"name":"web","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                      "tls":{"certificate":"%s","private_key":"%s"}}],
        "pools":[{"name":"p","protocol":"HTTP","members":[]}]}
        """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY);
    try (GatewayHarness gw = GatewayHarness.start(config.formatted("boringssl"))) {
      assertEquals("boringssl", tls(gw).getString("rsa_signer"));
      long before = OpenSsl3Rsa.OPERATIONS.sum();
      assertEquals("ECDHE-RSA-AES128-GCM-SHA256", SClient.offer(port, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256").suite());
      assertEquals(before, OpenSsl3Rsa.OPERATIONS.sum(), "BoringSSL signed");
      // a reload cannot move the keys of running contexts: it says the change waits for a restart
      gw.rewrite(config.formatted("openssl3"));
      ReloadOutcome out = Sync.await(gw.gateway().runtime().reload());
      assertEquals(List.of(), out.errors());
      assertEquals("boringssl", tls(gw).getString("rsa_signer"));
    } finally {
      OpenSsl3Rsa.select(io.gatehouse.config.RsaSigner.OPENSSL3); // process-wide: as the other tests expect it
    }
  }

  private static JsonObject tls(GatewayHarness gw) {
    // the replaced listener may still be listed, DRAINING
    return gw.status().getJsonArray("listeners").stream().map(JsonObject.class::cast)
        .filter(l -> l.getString("state").equals("ACTIVE")).findFirst().orElseThrow().getJsonObject("tls");
  }
}
