package io.gatehouse.tls;

import static io.gatehouse.testkit.Configs.head;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.config.TlsPolicyName;
import io.gatehouse.testkit.GatewayHarness;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestPorts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every security policy on each {@code tls.engine}, as testssl.sh sees it: an HTTPS listener per policy (RSA, and
 * ECDSA where the policy has ECDSA suites) in one gateway per engine, and for each suite of the policy one
 * {@code openssl s_client} offering only that suite at the right protocol version. A suite the engine offers must be
 * the one negotiated; one the engine lacks, or one outside the policy, must be refused.
 */
class PolicySuitesTest {

  private static final Set<String> CCM = Set.of("TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");
  /** What BoringSSL lacks of the policy table: every CBC suite with SHA-256/384 (and the CCM ones). */
  private static final Set<String> BORINGSSL_LACKS = Set.of(
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
      "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256");
  /** Suites outside some policies, IANA then OpenSSL name: the first one a policy lacks must be refused. */
  private static final String[][] OUTSIDE = {
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"}};

  static {
    LegacyProtocols.enable(); // the JDK engine's TLS 1.0/1.1, as the gateway's start-up enables them
  }

  @BeforeAll
  static void opensslIsInstalled() {
    assertTrue(SClient.version().startsWith("OpenSSL"), "openssl version");
  }

  /** One s_client run and what it must find. */
  record Check(String listener, int port, String version, String suite, boolean served) {
    String failure() {
      SClient.Result r = SClient.offer(port, version, TlsPolicy.opensslName(suite));
      String what = listener + " " + version + " " + TlsPolicy.opensslName(suite);
      if (!served) {
        return r.refused() ? null : what + ": must be refused, got " + r.suite() + " " + r.protocol();
      }
      if (r.refused()) {
        return what + ": refused\n" + r.output();
      }
      boolean ok = r.suite().equals(TlsPolicy.opensslName(suite)) && version.equals(r.protocol());
      return ok ? null : what + ": got " + r.suite() + " " + r.protocol();
    }
  }

  @Test
  void enginesLackExactlyTheDocumentedSuites() {
    for (TlsPolicyName name : TlsPolicyName.values()) {
      TlsPolicy policy = TlsPolicy.of(name);
      Set<String> ccm = policy.suites().stream().filter(CCM::contains).collect(Collectors.toSet());
      assertEquals(ccm, Set.copyOf(TlsEngine.JDK.missing(policy)), "jdk serves the exact list, less CCM: " + name);
      if (TlsEngine.OPENSSL.available()) {
        Set<String> lacks = policy.suites().stream().filter(s -> CCM.contains(s) || BORINGSSL_LACKS.contains(s))
            .collect(Collectors.toSet());
        assertEquals(lacks, Set.copyOf(TlsEngine.OPENSSL.missing(policy)), "boringssl: " + name);
      }
    }
  }

  @ParameterizedTest(name = "engine {0}")
  @EnumSource(TlsConfig.Engine.class)
  void everySuiteOfEveryPolicyWithARealClient(TlsConfig.Engine field) throws Exception {
    assumeTrue(System.getProperty(TlsEngine.PROPERTY) == null,
        "-D" + TlsEngine.PROPERTY + " forces one engine: the default execution runs both, by the field, in one JVM");
    TlsEngine engine = TlsEngine.of(field);
    assumeTrue(engine.configName().equals(field.configName()),
        "tls.engine " + field.configName() + " runs as " + engine.configName() + " here (BoringSSL unavailable)");
    Map<String, Integer> ports = new LinkedHashMap<>();
    StringBuilder listeners = new StringBuilder();
    for (TlsPolicyName name : TlsPolicyName.values()) {
      listener(listeners, ports, name, "rsa", TestCerts.RSA_CERT, TestCerts.RSA_KEY, field);
      if (TlsPolicy.of(name).suites().stream().anyMatch(s -> s.contains("_ECDSA_"))) {
        listener(listeners, ports, name, "ec", TestCerts.EC_CERT, TestCerts.EC_KEY, field);
      }
    }
    try (GatewayHarness gw = GatewayHarness.start("{" + head() + "\"listeners\":[" + listeners + "],"
        + "\"pools\":[{\"name\":\"p\",\"protocol\":\"HTTP\",\"members\":[]}]}")) {
      List<Check> checks = new ArrayList<>();
      for (TlsPolicyName name : TlsPolicyName.values()) {
        checks.addAll(checks(TlsPolicy.of(name), engine, ports));
      }
      List<String> failures = runAll(checks);
      assertTrue(failures.isEmpty(), failures.size() + " of " + checks.size() + " handshakes wrong:\n"
          + String.join("\n", failures));
      for (Object o : gw.status().getJsonArray("listeners")) {
        JsonObject l = (JsonObject) o;
        TlsPolicy policy = TlsPolicy.of(policyOf(l.getString("name")));
        JsonObject tls = l.getJsonObject("tls");
        assertEquals(engine.configName(), tls.getString("engine"), l.getString("name"));
        // what the listener's key can sign for, as the handshakes above found: an RSA pair gets no ECDSA suite
        String other = l.getString("name").endsWith("-rsa") ? "_ECDSA_" : "_RSA_";
        assertEquals(new JsonArray(engine.suites(policy).stream().filter(suite -> !suite.contains(other)).toList()),
            tls.getJsonArray("cipher_suites"), l.getString("name"));
        assertEquals(new JsonArray(policy.protocols()), tls.getJsonArray("protocols"), l.getString("name"));
      }
    }
  }

  private static void listener(StringBuilder out, Map<String, Integer> ports, TlsPolicyName policy, String kind,
      Path cert, Path key, TlsConfig.Engine engine) {
    String name = policy.configName() + "-" + kind;
    int port = TestPorts.free();
    ports.put(name, port);
    out.append(out.length() == 0 ? "" : ",").append("""
        {"name":"%s","protocol":"HTTPS","host":"127.0.0.1","protocol_port":%d,"default_pool":"p",
         "tls":{"certificate":"%s","private_key":"%s","security_policy":"%s","engine":"%s"}}"""
        .formatted(name, port, cert, key, policy.configName(), engine.configName()));
  }

  private static TlsPolicyName policyOf(String listener) {
    String policy = listener.substring(0, listener.lastIndexOf('-'));
    return TlsPolicyName.fromConfigName(policy).orElseThrow();
  }

  /**
   * Each suite of the policy at TLS 1.2 (1.3 suites at 1.3), the SHA-1 CBC suites also at each older version the
   * policy allows: served when the engine has it, else refused; then suites and versions outside the policy.
   */
  private static List<Check> checks(TlsPolicy policy, TlsEngine engine, Map<String, Integer> ports) {
    List<Check> checks = new ArrayList<>();
    String rsa = policy.name().configName() + "-rsa";
    String ec = policy.name().configName() + "-ec";
    List<String> offered = engine.suites(policy);
    for (String suite : policy.suites()) {
      String listener = suite.contains("_ECDSA_") ? ec : rsa;
      boolean tls13 = !suite.contains("_WITH_");
      boolean served = offered.contains(suite);
      checks.add(new Check(listener, ports.get(listener), tls13 ? "TLSv1.3" : "TLSv1.2", suite, served));
      for (String legacy : List.of("TLSv1", "TLSv1.1")) {
        if (policy.protocols().contains(legacy) && suite.endsWith("_CBC_SHA")) {
          checks.add(new Check(listener, ports.get(listener), legacy, suite, served));
        }
      }
    }
    int port = ports.get(rsa);
    if (policy.protocols().contains("TLSv1.2")) {
      for (String[] outside : OUTSIDE) {
        if (!policy.suites().contains(outside[0])) {
          checks.add(new Check(rsa, port, "TLSv1.2", outside[0], false));
          break;
        }
      }
    } else {
      checks.add(new Check(rsa, port, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false));
    }
    if (!policy.protocols().contains("TLSv1.3")) {
      checks.add(new Check(rsa, port, "TLSv1.3", "TLS_AES_128_GCM_SHA256", false));
    }
    if (!policy.protocols().contains("TLSv1")) {
      checks.add(new Check(rsa, port, "TLSv1", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false));
    }
    return checks;
  }

  /** A few s_client processes at a time: the suite shares the machine. */
  private static List<String> runAll(List<Check> checks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (Check c : checks) {
        results.add(pool.submit(c::failure));
      }
      List<String> failures = new ArrayList<>();
      for (Future<String> f : results) {
        String failure = f.get();
        if (failure != null) {
          failures.add(failure);
        }
      }
      return failures;
    } finally {
      pool.shutdownNow();
    }
  }
}
