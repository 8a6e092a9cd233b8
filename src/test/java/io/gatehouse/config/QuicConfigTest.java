package io.gatehouse.config;

import static io.gatehouse.config.TestDocuments.base;
import static io.gatehouse.config.TestDocuments.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A QUIC listener and an HTTPS listener advertising it; what is said where the native library cannot load. */
class QuicConfigTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void pems() throws IOException {
    TestDocuments.writePems(dir);
  }

  @Test
  void aQuicListenerSharesAnHttpsPortNumberAndTakesTls13ByDefault() {
    var doc = with(with(base(), "listeners[4]", "{'name': 'h3', 'protocol': 'QUIC', 'protocol_port': 8443,"
        + " 'default_pool': 'web-pool', 'max_body_size': 100, 'ip_group': {'type': 'white', 'cidrs': ['::1/128']},"
        + " 'tls': {'certificate': 'cert.pem', 'private_key': 'key.pem'}}"), "listeners[3].advertise_http3", "'h3'");
    ConfigResult result = ConfigParser.parse(doc.encode(), dir);
    assertEquals(List.of(), result.errorLines());
    ListenerConfig h3 = result.config().listener("h3").orElseThrow();
    assertEquals(ListenerProtocol.QUIC, h3.protocol());
    assertEquals(TlsPolicyName.TLS_1_3, h3.tls().securityPolicy());
    assertEquals(100, h3.maxBodySize());
    assertEquals("h3", result.config().listener("secure").orElseThrow().advertiseHttp3());
    assertNull(result.config().listener("web").orElseThrow().advertiseHttp3());
  }

  @Test
  void anExplicitTls13PolicyIsAccepted() {
    var doc = with(base(), "listeners[4]", "{'name': 'h3', 'protocol': 'QUIC', 'protocol_port': 8443,"
        + " 'default_pool': 'web-pool', 'tls': {'certificate': 'cert.pem', 'private_key': 'key.pem',"
        + " 'security_policy': 'tls-1-3'}}");
    assertEquals(List.of(), ConfigParser.parse(doc.encode(), dir).errorLines());
  }

  @Test
  void theNativeLibraryLoadsOnThisMachine() {
    assertNull(QuicSupport.unavailable(), "linux-x86_64 ships the QUIC library");
  }

  @Test
  void aLoadFailureBecomesOneLineNamingWhy() {
    UnsatisfiedLinkError failure = new UnsatisfiedLinkError("no netty_quiche42_linux_aarch_64 in java.library.path");
    String line = QuicSupport.unavailable(new IllegalStateException("failed to load the required native library",
        failure));
    assertTrue(line.startsWith("QUIC listeners are unavailable on this machine ("), line);
    assertTrue(line.contains("failed to load the required native library: no netty_quiche42_linux_aarch_64"), line);
    assertTrue(!line.contains("\n"), "one line: " + line);
    assertNull(QuicSupport.unavailable(null), "loaded: nothing to say");
  }
}
