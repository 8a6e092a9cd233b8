package io.gatehouse.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gatehouse.config.TlsPolicyName;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestVertx;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every policy, on both engines, against real JDK clients offering one protocol version at a time. */
class PolicyHandshakeTest {

  private static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    vertx = TestVertx.create();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static Stream<Arguments> policies() {
    List<Arguments> args = new ArrayList<>();
    for (TlsEngine engine : TlsEngine.values()) {
      for (TlsPolicyName policy : TlsPolicyName.values()) {
        args.add(Arguments.of(engine, policy));
      }
    }
    return args.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("policies")
  void acceptsExactlyTheAllowedVersions(TlsEngine engine, TlsPolicyName policy) throws Exception {
    TlsPolicy allowed = TlsPolicy.of(policy);
    try (TlsServer server = TlsServer.start(vertx, TlsServer.config(policy), engine)) {
      for (String version : VERSIONS) {
        TlsClient client = TlsClient.of(version);
        if (allowed.protocols().contains(version)) {
          TlsClient.Result result = client.handshake(server.port());
          assertEquals(version, result.protocol());
          assertEquals(true, allowed.suites().contains(result.suite()), result.suite());
        } else {
          assertThrows(Exception.class, () -> client.handshake(server.port()), version + " must be refused");
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void refusesSuitesOutsideThePolicy(TlsEngine engine) throws Exception {
    for (TlsPolicyName policy : List.of(TlsPolicyName.TLS_1_2_STRICT, TlsPolicyName.TLS_1_2_FS)) {
      try (TlsServer server = TlsServer.start(vertx, TlsServer.config(policy), engine)) {
        TlsClient sha1 = TlsClient.of("TLSv1.2").suites("TLS_RSA_WITH_AES_128_CBC_SHA");
        assertThrows(SSLException.class, () -> sha1.handshake(server.port()), policy.configName());
        if (policy == TlsPolicyName.TLS_1_2_FS) {
          TlsClient noForwardSecrecy = TlsClient.of("TLSv1.2").suites("TLS_RSA_WITH_AES_128_GCM_SHA256");
          assertThrows(SSLException.class, () -> noForwardSecrecy.handshake(server.port()));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void serverOrderWins(TlsEngine engine) throws Exception {
    try (TlsServer server = TlsServer.start(vertx, TlsServer.config(TlsPolicyName.TLS_1_2), engine)) {
      // the client prefers AES128; the policy lists ECDHE-RSA-AES256-GCM-SHA384 first
      TlsClient client = TlsClient.of("TLSv1.2")
          .suites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
      assertEquals("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", client.handshake(server.port()).suite());
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngine.class)
  void ecdsaCertificateUsesEcdsaSuites(TlsEngine engine) throws Exception {
    var config = TlsServer.config(TestCerts.EC_CERT, TestCerts.EC_KEY_SEC1, List.of(), TlsPolicyName.TLS_1_2, null);
    try (TlsServer server = TlsServer.start(vertx, config, engine)) {
      assertEquals("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", TlsClient.of("TLSv1.2").handshake(server.port()).suite());
    }
  }
}
