package io.gatehouse.tls;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.config.TlsConfig.CertPair;
import java.nio.file.Path;
import java.util.List;

/**
 * Validation of certificate files before they are used (configuration load and file watching). Only unusable
 * files are problems; an expired certificate is still served (its expiry is exported, not refused).
 */
public final class CertificateCheck {
  private CertificateCheck() {}

  /**
   * Checks a PEM certificate (chain allowed) and its private key: both readable and parseable, the key matching
   * the first certificate. Returns null when good, else what is wrong (e.g. "private key does not match").
   */
  public static String pairProblem(Path certificate, Path privateKey) {
    return problem(new TlsConfig(new CertPair(certificate, privateKey), List.of(), null, null));
  }

  /** Checks a PEM file of one or more CA certificates; null when good, else what is wrong. */
  public static String caProblem(Path caFile) {
    try {
      Pem.certificates(java.nio.file.Files.readAllBytes(caFile));
      return null;
    } catch (java.io.IOException e) {
      return "cannot read " + caFile + ": " + e.getMessage();
    } catch (BadPem e) {
      return caFile + ": " + e.getMessage();
    }
  }

  private static String problem(TlsConfig tls) {
    try {
      TlsFiles.read(tls);
      return null;
    } catch (BadPem e) {
      return e.getMessage();
    }
  }
}
