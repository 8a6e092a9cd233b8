package io.gatehouse.testkit;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the TLS fixtures made by {@code src/test/resources/certs/make-certs.sh} (valid ~100 years). */
public final class TestCerts {
  private TestCerts() {}

  /** The folder holding every fixture. */
  public static final Path DIR = dir();

  /** Test CA: signs every server certificate and {@link #CLIENT_CERT}. */
  public static final Path CA_CERT = DIR.resolve("ca.crt");
  /** A second CA, trusted by nobody: signs {@link #OTHER_CLIENT_CERT}. */
  public static final Path OTHER_CA_CERT = DIR.resolve("other-ca.crt");

  /** RSA-2048 server certificate for {@code localhost} and {@code 127.0.0.1} (SAN). */
  public static final Path RSA_CERT = DIR.resolve("server-rsa.crt");
  /** {@link #RSA_CERT} followed by the CA certificate. */
  public static final Path RSA_CHAIN = DIR.resolve("server-rsa-chain.crt");
  /** PKCS#8 key of {@link #RSA_CERT}. */
  public static final Path RSA_KEY = DIR.resolve("server-rsa.key");
  /** The same key as {@link #RSA_KEY}, PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). */
  public static final Path RSA_KEY_PKCS1 = DIR.resolve("server-rsa-pkcs1.key");

  /** ECDSA P-256 server certificate for {@code localhost}. */
  public static final Path EC_CERT = DIR.resolve("server-ec.crt");
  /** PKCS#8 key of {@link #EC_CERT}. */
  public static final Path EC_KEY = DIR.resolve("server-ec.key");
  /** The same key as {@link #EC_KEY}, SEC1 ({@code BEGIN EC PRIVATE KEY}). */
  public static final Path EC_KEY_SEC1 = DIR.resolve("server-ec-sec1.key");

  /** Certificate for {@code api.example.test}. */
  public static final Path API_CERT = DIR.resolve("api.crt");
  public static final Path API_KEY = DIR.resolve("api.key");
  /** Certificate for {@code *.example.test}. */
  public static final Path WILDCARD_CERT = DIR.resolve("wildcard.crt");
  public static final Path WILDCARD_KEY = DIR.resolve("wildcard.key");

  /** Client certificate signed by the test CA. */
  public static final Path CLIENT_CERT = DIR.resolve("client.crt");
  public static final Path CLIENT_KEY = DIR.resolve("client.key");
  /** Client certificate signed by the other CA. */
  public static final Path OTHER_CLIENT_CERT = DIR.resolve("other-client.crt");
  public static final Path OTHER_CLIENT_KEY = DIR.resolve("other-client.key");

  /** An RSA key that matches no certificate. */
  public static final Path STRAY_KEY = DIR.resolve("stray.key");

  private static Path dir() {
    try {
      return Path.of(TestCerts.class.getResource("/certs/ca.crt").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
