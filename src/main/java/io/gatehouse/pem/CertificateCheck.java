package io.gatehouse.pem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Validation of certificate files before they are used (configuration load and file watching). Only unusable
 * files are problems; an expired certificate is still served (its expiry is exported, not refused).
 */
public final class CertificateCheck {
  private CertificateCheck() {}

  /** Checks a PEM private key file alone: null when it holds a key, else what is wrong (named on the key's field). */
  public static String keyProblem(Path privateKey) {
    try {
      Pem.privateKey(Files.readAllBytes(privateKey));
      return null;
    } catch (IOException e) {
      return "cannot read " + privateKey + ": " + e.getMessage();
    } catch (BadPem e) {
      return privateKey + ": " + e.getMessage();
    }
  }

  /**
   * Checks a PEM certificate (chain allowed) and its private key: both readable and parseable, the key matching
   * the first certificate. Returns null when good, else what is wrong (e.g. "private key does not match").
   */
  public static String pairProblem(Path certificate, Path privateKey) {
    byte[] cert;
    byte[] key;
    try {
      cert = Files.readAllBytes(certificate);
    } catch (IOException e) {
      return "cannot read " + certificate + ": " + e.getMessage();
    }
    try {
      key = Files.readAllBytes(privateKey);
    } catch (IOException e) {
      return "cannot read " + privateKey + ": " + e.getMessage();
    }
    try {
      CertKey.parse(cert, key);
      return null;
    } catch (BadPem e) {
      return certificate + " / " + privateKey + ": " + e.getMessage();
    }
  }

  /**
   * What a usable CA file will surprise its operator with, one line per certificate, else none: one past its
   * {@code notAfter} (what it signed fails verification), or one that is no CA (basicConstraints without CA:TRUE),
   * which the JDK trusts as exactly that certificate and never as the signer of another.
   */
  public static java.util.List<String> caSurprises(Path caFile, java.time.Instant now) {
    java.util.List<String> lines = new java.util.ArrayList<>();
    try {
      for (java.security.cert.X509Certificate c : Pem.certificates(Files.readAllBytes(caFile))) {
        String who = c.getSubjectX500Principal().getName();
        if (c.getNotAfter().toInstant().isBefore(now)) {
          lines.add(who + " expired on " + c.getNotAfter().toInstant() + ": members it signed fail verification");
        }
        if (c.getBasicConstraints() < 0) {
          lines.add(who + " is not a CA certificate: only a member presenting this very certificate is trusted");
        }
      }
    } catch (IOException | BadPem e) {
      // caProblem reports an unusable file
    }
    return lines;
  }

  /** Checks a PEM file of one or more CA certificates; null when good, else what is wrong. */
  public static String caProblem(Path caFile) {
    try {
      Pem.certificates(Files.readAllBytes(caFile));
      return null;
    } catch (IOException e) {
      return "cannot read " + caFile + ": " + e.getMessage();
    } catch (BadPem e) {
      return caFile + ": " + e.getMessage();
    }
  }
}
