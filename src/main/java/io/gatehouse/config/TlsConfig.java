package io.gatehouse.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * A listener's {@code tls} object, paths already resolved against the configuration file's folder.
 * {@code clientCa} is null unless mutual TLS is required; {@code engine} is the one asked for (the system
 * property {@code gatehouse.tls.engine} may override it, see {@code tls.TlsEngine}). {@code ocspResponder} is null
 * unless {@code tls.ocsp_responder} replaces the responder each certificate names (its AIA OCSP URL).
 */
public record TlsConfig(
    CertPair main,
    List<CertPair> sniCertificates,
    TlsPolicyName securityPolicy,
    Path clientCa,
    Engine engine,
    boolean ocspStapling,
    URI ocspResponder) {

  public TlsConfig {
    sniCertificates = List.copyOf(sniCertificates);
  }

  /** Without OCSP stapling. */
  public TlsConfig(CertPair main, List<CertPair> sniCertificates, TlsPolicyName securityPolicy, Path clientCa,
      Engine engine) {
    this(main, sniCertificates, securityPolicy, clientCa, engine, false, null);
  }

  /** With the default engine. */
  public TlsConfig(CertPair main, List<CertPair> sniCertificates, TlsPolicyName securityPolicy, Path clientCa) {
    this(main, sniCertificates, securityPolicy, clientCa, Engine.BORINGSSL);
  }

  /** {@code tls.engine}: BoringSSL (netty-tcnative) or the JDK's own TLS. */
  public enum Engine {
    BORINGSSL("boringssl"),
    JDK("jdk");

    private final String configName;

    Engine(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    static java.util.Optional<Engine> fromConfigName(String name) {
      return java.util.Arrays.stream(values()).filter(e -> e.configName.equals(name)).findFirst();
    }
  }

  /** A PEM certificate (chain allowed) and its private key. */
  public record CertPair(Path certificate, Path privateKey) {}
}
