package io.gatehouse.tls;

import java.nio.file.Path;

/** Placeholder: implemented on the tls branch. */
public final class CertificateCheck {
  private CertificateCheck() {}

  /**
   * Checks a PEM certificate (chain allowed) and its private key: both readable and parseable, the key matching
   * the first certificate. Returns null when good, else what is wrong (e.g. "private key does not match").
   */
  public static String pairProblem(Path certificate, Path privateKey) {
    return null;
  }

  /** Checks a PEM file of one or more CA certificates; null when good, else what is wrong. */
  public static String caProblem(Path caFile) {
    return null;
  }
}
