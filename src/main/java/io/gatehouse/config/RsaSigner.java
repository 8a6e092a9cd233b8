package io.gatehouse.config;

import java.util.Optional;

/**
 * {@code tls_rsa_signer}: who computes the RSA private-key operations of TLS handshakes on the BoringSSL engine.
 * {@code openssl3} (the default) uses the system's OpenSSL 3 where the jar carries the native signer and it loads
 * (not OpenSSL 3.0.4), else falls back to BoringSSL, saying why in the log; {@code boringssl} never loads it.
 */
public enum RsaSigner {
  OPENSSL3("openssl3"), BORINGSSL("boringssl");

  private final String configName;

  RsaSigner(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  static Optional<RsaSigner> named(String s) {
    for (RsaSigner v : values()) {
      if (v.configName.equals(s)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }
}
