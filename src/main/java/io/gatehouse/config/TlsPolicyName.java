package io.gatehouse.config;

import java.util.Arrays;
import java.util.Optional;

/** The eight {@code security_policy} names of the contract; what each allows lives in {@code tls.TlsPolicy}. */
public enum TlsPolicyName {
  TLS_1_0("tls-1-0"),
  TLS_1_1("tls-1-1"),
  TLS_1_2("tls-1-2"),
  TLS_1_2_STRICT("tls-1-2-strict"),
  TLS_1_2_FS("tls-1-2-fs"),
  TLS_1_0_WITH_1_3("tls-1-0-with-1-3"),
  TLS_1_2_FS_WITH_1_3("tls-1-2-fs-with-1-3"),
  TLS_1_3("tls-1-3");

  private final String configName;

  TlsPolicyName(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public static Optional<TlsPolicyName> fromConfigName(String name) {
    return Arrays.stream(values()).filter(p -> p.configName.equals(name)).findFirst();
  }
}
