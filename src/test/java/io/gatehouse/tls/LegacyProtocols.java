package io.gatehouse.tls;

/**
 * Re-enables TLS 1.0/1.1 in this test JVM (JDK clients and the JDK engine) before any SSLContext exists, since the
 * JDK reads {@code jdk.tls.disabledAlgorithms} once. Every TLS test helper touches this class first.
 */
final class LegacyProtocols {
  private LegacyProtocols() {}

  static {
    TlsEngine.enableLegacyJdkProtocols();
  }

  /** Forces the static initialiser; calling it again does nothing. */
  static void enable() {}
}
