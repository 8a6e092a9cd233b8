package io.gatehouse;

import static io.gatehouse.testkit.Configs.head;
import static io.gatehouse.testkit.Configs.members;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.Backends;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.gatehouse.tls.TlsEngine;
import io.gatehouse.vertx.VertxTransports;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.handler.ssl.OpenSsl;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * The gateway runs on the transport and TLS engine this run of the suite asks for: native epoll and OpenSSL by
 * default, JDK NIO and the JDK engine in the {@code nio-jdk-tls} run (pom.xml), which would otherwise pass
 * without noticing that a property did not reach the gateway.
 */
class TransportAndEngineTest {

  /** In policy tls-1-2; the JDK engine has it, BoringSSL does not (no SHA-256 CBC suites). */
  static final String JDK_ONLY_SUITE = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256";

  /** The platform whose native libraries pom.xml ships: there both must load. */
  static final boolean SHIPPED = "Linux".equals(System.getProperty("os.name"))
      && "amd64".equals(System.getProperty("os.arch"));

  @Test
  void theGatewayRunsOnTheRequestedTransportAndEngine() throws Exception {
    boolean nio = Boolean.getBoolean(Gateway.NIO_PROPERTY);
    String forced = System.getProperty(TlsEngine.PROPERTY, "");
    if (SHIPPED) {
      assertTrue(nio || Epoll.isAvailable(), () -> "native epoll does not load: " + Epoll.unavailabilityCause());
      assertTrue(forced.equals("jdk") || OpenSsl.isAvailable(),
          () -> "OpenSSL does not load: " + OpenSsl.unavailabilityCause());
    }
    boolean expectNative = !nio && Epoll.isAvailable();
    TlsEngine expectEngine = forced.equals("jdk") || !OpenSsl.isAvailable() ? TlsEngine.JDK : TlsEngine.OPENSSL;

    int port = TestPorts.free();
    try (Backends backends = new Backends();
        GatewayHarness gw = GatewayHarness.start("{" + head() + """
            "listeners":[{"name":"ssl","protocol":"SSL","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
                          "tls":{"certificate":"%s","private_key":"%s","security_policy":"tls-1-2"}}],
            "pools":[{"name":"p","protocol":"TCP","members":%s}]}
            """.formatted(port, TestCerts.RSA_CERT, TestCerts.RSA_KEY, members(backends.tcpEcho("a"))))) {
      assertEquals(expectNative, gw.gateway().vertx().isNativeTransportEnabled(),
          () -> "native transport; unavailable because: " + gw.gateway().vertx().unavailableNativeTransportCause());
      if (expectNative) {
        boolean uring = !Boolean.getBoolean(VertxTransports.EPOLL_PROPERTY) && IoUring.isAvailable();
        assertEquals(uring ? "io_uring" : "epoll", VertxTransports.nativeName(gw.gateway().vertx()),
            () -> "io_uring unavailable because: " + IoUring.unavailabilityCause());
        // one-shot POLL_ADD: the multishot one loses a member's reset that comes right behind its last bytes
        assertFalse(uring && IoUring.isPollAddMultishotEnabled(), "multishot POLL_ADD is on");
      }
      assertEquals(expectEngine, gw.gateway().runtime().view().listener("ssl").tls().engine());
      // and the listener really handshakes with that engine: only the JDK one has this suite
      if (expectEngine == TlsEngine.JDK) {
        assertEquals("a", greeting(port, JDK_ONLY_SUITE));
      } else {
        assertThrows(SSLException.class, () -> greeting(port, JDK_ONLY_SUITE));
      }
      assertEquals("a", greeting(port, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    }
  }

  /** Handshakes over TLS 1.2 offering only {@code suite}, then reads the member's greeting line. */
  private static String greeting(int port, String suite) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (InputStream ca = java.nio.file.Files.newInputStream(TestCerts.CA_CERT)) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.setEnabledProtocols(new String[] {"TLSv1.2"});
      socket.setEnabledCipherSuites(new String[] {suite});
      socket.startHandshake();
      StringBuilder line = new StringBuilder();
      InputStream in = socket.getInputStream();
      for (int c; (c = in.read()) != -1 && c != '\n'; ) {
        line.append((char) c);
      }
      return line.toString();
    }
  }
}
