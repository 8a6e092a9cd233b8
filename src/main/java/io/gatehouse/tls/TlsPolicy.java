package io.gatehouse.tls;

import io.gatehouse.config.TlsPolicyName;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What each {@code security_policy} allows, exactly as {@code docs/tls-policies.md} lists it: protocol versions
 * and cipher suites in server preference order. Suites are IANA names, which both the JDK and OpenSSL engines
 * accept.
 */
public record TlsPolicy(TlsPolicyName name, List<String> protocols, List<String> suites) {

  public TlsPolicy {
    protocols = List.copyOf(protocols);
    suites = List.copyOf(suites);
  }

  /** Group A of the policy table, IANA name then OpenSSL name, in server preference order. */
  private static final String[][] A_NAMES = {
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"}};

  private static final Map<String, String> OPENSSL_NAMES = Arrays.stream(A_NAMES)
      .collect(Collectors.toUnmodifiableMap(n -> n[0], n -> n[1]));

  private static final List<String> A = Arrays.stream(A_NAMES).map(n -> n[0]).toList();

  private static final List<String> S = List.of(
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_RSA_WITH_AES_128_CBC_SHA256",
      "TLS_RSA_WITH_AES_256_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");

  private static final List<String> F = List.of(
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");

  private static final List<String> T = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_AES_128_CCM_SHA256",
      "TLS_AES_128_CCM_8_SHA256");

  private static final String V10 = "TLSv1";
  private static final String V11 = "TLSv1.1";
  private static final String V12 = "TLSv1.2";
  private static final String V13 = "TLSv1.3";

  private static final Map<TlsPolicyName, TlsPolicy> TABLE = new EnumMap<>(Map.of(
      TlsPolicyName.TLS_1_0, new TlsPolicy(TlsPolicyName.TLS_1_0, List.of(V10, V11, V12), A),
      TlsPolicyName.TLS_1_1, new TlsPolicy(TlsPolicyName.TLS_1_1, List.of(V11, V12), A),
      TlsPolicyName.TLS_1_2, new TlsPolicy(TlsPolicyName.TLS_1_2, List.of(V12), A),
      TlsPolicyName.TLS_1_2_STRICT, new TlsPolicy(TlsPolicyName.TLS_1_2_STRICT, List.of(V12), S),
      TlsPolicyName.TLS_1_2_FS, new TlsPolicy(TlsPolicyName.TLS_1_2_FS, List.of(V12), F),
      TlsPolicyName.TLS_1_0_WITH_1_3,
      new TlsPolicy(TlsPolicyName.TLS_1_0_WITH_1_3, List.of(V10, V11, V12, V13), concat(A, T)),
      TlsPolicyName.TLS_1_2_FS_WITH_1_3,
      new TlsPolicy(TlsPolicyName.TLS_1_2_FS_WITH_1_3, List.of(V12, V13), concat(F, T)),
      TlsPolicyName.TLS_1_3, new TlsPolicy(TlsPolicyName.TLS_1_3, List.of(V13), T)));

  public static TlsPolicy of(TlsPolicyName name) {
    return TABLE.get(name);
  }

  /**
   * The OpenSSL name of a suite of the policy table, as {@code docs/tls-policies.md}, {@code openssl ciphers} and
   * testssl.sh show it; TLS 1.3 suites have one name.
   */
  public static String opensslName(String suite) {
    return OPENSSL_NAMES.getOrDefault(suite, suite);
  }

  /** True when the policy allows TLS 1.0 or 1.1, which JDK 17 disables by default. */
  public boolean allowsLegacyProtocols() {
    return protocols.contains(V10) || protocols.contains(V11);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
