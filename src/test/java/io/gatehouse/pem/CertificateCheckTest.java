package io.gatehouse.pem;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.testkit.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateCheckTest {

  @TempDir
  Path dir;

  @Test
  void goodPairsInEveryKeyFormat() {
    assertNull(CertificateCheck.pairProblem(TestCerts.RSA_CERT, TestCerts.RSA_KEY));
    assertNull(CertificateCheck.pairProblem(TestCerts.RSA_CHAIN, TestCerts.RSA_KEY_PKCS1));
    assertNull(CertificateCheck.pairProblem(TestCerts.EC_CERT, TestCerts.EC_KEY));
    assertNull(CertificateCheck.pairProblem(TestCerts.EC_CERT, TestCerts.EC_KEY_SEC1));
    assertNull(CertificateCheck.caProblem(TestCerts.CA_CERT));
  }

  @Test
  void mismatchedKeys() {
    assertProblem(CertificateCheck.pairProblem(TestCerts.RSA_CERT, TestCerts.STRAY_KEY),
        "private key does not match the certificate");
    assertProblem(CertificateCheck.pairProblem(TestCerts.RSA_CERT, TestCerts.EC_KEY),
        "private key does not match the certificate");
  }

  @Test
  void garbageEmptyAndMissingFiles() throws Exception {
    Path empty = Files.createFile(dir.resolve("empty.pem"));
    Path garbage = Files.writeString(dir.resolve("garbage.pem"),
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
    Path badKey = Files.writeString(dir.resolve("bad.key"),
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    assertProblem(CertificateCheck.pairProblem(empty, TestCerts.RSA_KEY), "no certificate in file");
    assertProblem(CertificateCheck.pairProblem(garbage, TestCerts.RSA_KEY), "unparseable certificate");
    assertProblem(CertificateCheck.pairProblem(TestCerts.RSA_CERT, empty), "no private key in file");
    assertProblem(CertificateCheck.pairProblem(TestCerts.RSA_CERT, TestCerts.RSA_CERT), "no private key in file");
    assertProblem(CertificateCheck.pairProblem(TestCerts.RSA_CERT, badKey), "unparseable");
    assertProblem(CertificateCheck.pairProblem(dir.resolve("missing.crt"), TestCerts.RSA_KEY), "cannot read");
    assertProblem(CertificateCheck.caProblem(empty), "no certificate in file");
    assertProblem(CertificateCheck.caProblem(TestCerts.RSA_KEY), "no certificate in file");
  }

  private static void assertProblem(String problem, String expected) {
    assertTrue(problem != null && problem.contains(expected), "expected '" + expected + "' in " + problem);
  }
}
