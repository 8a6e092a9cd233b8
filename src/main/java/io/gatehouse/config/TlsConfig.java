package io.gatehouse.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A listener's {@code tls} object, paths already resolved against the configuration file's folder.
 * {@code clientCa} is null unless mutual TLS is required.
 */
public record TlsConfig(
    CertPair main,
    List<CertPair> sniCertificates,
    TlsPolicyName securityPolicy,
    Path clientCa) {

  public TlsConfig {
    sniCertificates = List.copyOf(sniCertificates);
  }

  /** A PEM certificate (chain allowed) and its private key. */
  public record CertPair(Path certificate, Path privateKey) {}
}
