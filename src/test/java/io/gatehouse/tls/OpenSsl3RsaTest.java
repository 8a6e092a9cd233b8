package io.gatehouse.tls;

import io.gatehouse.pem.CertKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.config.RsaSigner;
import io.gatehouse.config.TlsConfig;
import io.gatehouse.config.TlsPolicyName;
import io.gatehouse.testkit.LogCapture;
import io.gatehouse.testkit.TestCerts;
import io.gatehouse.testkit.TestVertx;
import io.netty.handler.ssl.OpenSslPrivateKeyMethod;
import io.vertx.core.Vertx;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenSSL 3 RSA signer: its signatures verify with the JDK for every RSA scheme TLS uses (1.0 to 1.3), its raw decryption
 * inverts the public key, ECDSA keys are left to BoringSSL, and real handshakes (TLS 1.3, TLS 1.2 ECDHE-RSA, TLS 1.2
 * RSA key exchange) go through it. Skipped, saying why, where the jar has no native signer or no OpenSSL 3.
 */
class OpenSsl3RsaTest {

  /** TLS SignatureScheme code points (RFC 8446 4.2.3); Netty's constants would need tcnative loaded first. */
  private static final Map<String, Integer> PKCS1 = Map.of(
      "SHA1withRSA", 0x0201, "SHA256withRSA", 0x0401, "SHA384withRSA", 0x0501, "SHA512withRSA", 0x0601);
  private static final Map<String, Integer> PSS = Map.of("SHA-256", 0x0804, "SHA-384", 0x0805, "SHA-512", 0x0806);

  private static final char[] PASSWORD = "pw".toCharArray();
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    assumeTrue(TlsEngine.selected() == TlsEngine.OPENSSL, "the JDK engine signs for itself");
    OpenSsl3Rsa.select(RsaSigner.OPENSSL3);
    if (signerExpected()) {
      // a build that silently lost its signer must not pass as "skipped"
      assertTrue(OpenSsl3Rsa.available(), "gcc and libcrypto.so.3 are here, so the jar must carry a working signer:"
          + " see the [native] line of the build and the tls: line of the log");
    }
    assumeTrue(OpenSsl3Rsa.available(), "no OpenSSL 3 signer here (see the gateway's log line)");
    vertx = TestVertx.create();
  }

  /** Where the build could make the signer (linux-x86_64, gcc on the PATH) and OpenSSL 3 is installed. */
  private static boolean signerExpected() {
    boolean gcc = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(java.nio.file.Path.of(dir, "gcc")));
    boolean libcrypto = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64")
        .stream().anyMatch(dir -> Files.exists(java.nio.file.Path.of(dir, "libcrypto.so.3")));
    return "amd64".equals(System.getProperty("os.arch")) && gcc && libcrypto;
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static CertKey pair(java.nio.file.Path cert, java.nio.file.Path key) throws Exception {
    return CertKey.parse(Files.readAllBytes(cert), Files.readAllBytes(key));
  }

  private static OpenSslPrivateKeyMethod method(CertKey pair) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("key", pair.key(), PASSWORD, pair.chain().toArray(new X509Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, PASSWORD);
    return OpenSsl3Rsa.methodFor(OpenSsl3Rsa.factory(kmf, pair.key()));
  }

  @Test
  void everyRsaSignatureSchemeVerifiesWithTheJdk() throws Exception {
    CertKey rsa = pair(TestCerts.RSA_CERT, TestCerts.RSA_KEY);
    OpenSslPrivateKeyMethod m = method(rsa);
    assertNotNull(m);
    byte[] message = "the handshake transcript, say".getBytes(StandardCharsets.US_ASCII);
    for (Map.Entry<String, Integer> e : PKCS1.entrySet()) {
      Signature verify = Signature.getInstance(e.getKey());
      verify.initVerify(rsa.chain().get(0).getPublicKey());
      verify.update(message);
      assertTrue(verify.verify(m.sign(null, e.getValue(), message)), e.getKey());
    }
    // TLS 1.0 and 1.1: PKCS#1 v1.5 over MD5 || SHA-1 with no DigestInfo (BoringSSL's code 0xff01)
    byte[] md5sha1 = concat(MessageDigest.getInstance("MD5").digest(message),
        MessageDigest.getInstance("SHA-1").digest(message));
    Signature none = Signature.getInstance("NONEwithRSA");
    none.initVerify(rsa.chain().get(0).getPublicKey());
    none.update(md5sha1);
    assertTrue(none.verify(m.sign(null, 0xff01, message)), "MD5-SHA1");
    for (Map.Entry<String, Integer> e : PSS.entrySet()) {
      Signature verify = Signature.getInstance("RSASSA-PSS");
      int saltLength = Integer.parseInt(e.getKey().substring(4)) / 8; // RFC 8446: the salt is as long as the digest
      verify.setParameter(new PSSParameterSpec(e.getKey(), "MGF1", new MGF1ParameterSpec(e.getKey()), saltLength, 1));
      verify.initVerify(rsa.chain().get(0).getPublicKey());
      verify.update(message);
      assertTrue(verify.verify(m.sign(null, e.getValue(), message)), "RSASSA-PSS " + e.getKey());
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  @Test
  void rawDecryptionInvertsThePublicKey() throws Exception {
    CertKey rsa = pair(TestCerts.RSA_CERT, TestCerts.RSA_KEY);
    RSAPublicKey pub = (RSAPublicKey) rsa.chain().get(0).getPublicKey();
    byte[] plain = new byte[pub.getModulus().bitLength() / 8];
    plain[0] = 0; // below the modulus
    for (int i = 1; i < plain.length; i++) {
      plain[i] = (byte) i;
    }
    Cipher raw = Cipher.getInstance("RSA/ECB/NoPadding");
    raw.init(Cipher.ENCRYPT_MODE, pub);
    byte[] decrypted = method(rsa).decrypt(null, raw.doFinal(plain));
    assertEquals(new BigInteger(1, plain), new BigInteger(1, decrypted));
  }

  @Test
  void anEcdsaKeyIsLeftToBoringSsl() throws Exception {
    assertNull(method(pair(TestCerts.EC_CERT, TestCerts.EC_KEY)));
  }

  @Test
  void handshakesWithAnRsaCertificateSignAndDecryptThroughOpenSsl3() throws Exception {
    TlsConfig config = TlsServer.config(TestCerts.RSA_CERT, TestCerts.RSA_KEY, List.of(),
        TlsPolicyName.TLS_1_0_WITH_1_3, null);
    try (TlsServer server = TlsServer.start(vertx, config, TlsEngine.OPENSSL)) {
      long before = OpenSsl3Rsa.OPERATIONS.sum();
      assertEquals("TLSv1.3", TlsClient.of("TLSv1.3").handshake(server.port()).protocol());
      assertEquals(before + 1, OpenSsl3Rsa.OPERATIONS.sum(), "TLS 1.3: one RSA-PSS signature");
      assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TlsClient.of("TLSv1.2")
          .suites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").handshake(server.port()).suite());
      assertEquals(before + 2, OpenSsl3Rsa.OPERATIONS.sum(), "TLS 1.2 ECDHE-RSA: one signature");
      assertEquals("TLS_RSA_WITH_AES_128_GCM_SHA256", TlsClient.of("TLSv1.2")
          .suites("TLS_RSA_WITH_AES_128_GCM_SHA256").handshake(server.port()).suite());
      assertEquals(before + 3, OpenSsl3Rsa.OPERATIONS.sum(), "TLS 1.2 RSA key exchange: one decryption");
    }
  }

  @Test
  void onlyOpenSsl304IsRefused() {
    String why = OpenSsl3Rsa.refusal(0x3000_0040L, "OpenSSL 3.0.4 21 Jun 2022");
    assertTrue(why != null && why.contains("CVE-2022-2274") && why.startsWith("OpenSSL 3.0.4"), why);
    // 3.0.3, 3.0.5, a distribution's 3.0.13 with backports, 3.5: used
    for (long version : new long[] {0x3000_0030L, 0x3000_0050L, 0x3000_00d0L, 0x3050_0000L}) {
      assertNull(OpenSsl3Rsa.refusal(version, "OpenSSL"), Long.toHexString(version));
    }
  }

  @Test
  void tlsRsaSignerBoringsslLeavesEveryRsaKeyToBoringSsl() throws Exception {
    try {
      OpenSsl3Rsa.select(RsaSigner.BORINGSSL);
      assertEquals("boringssl", TlsEngine.OPENSSL.rsaSigner());
      assertNull(method(pair(TestCerts.RSA_CERT, TestCerts.RSA_KEY)));
      TlsConfig config = TlsServer.config(TestCerts.RSA_CERT, TestCerts.RSA_KEY, List.of(),
          TlsPolicyName.TLS_1_2_FS_WITH_1_3, null);
      try (TlsServer server = TlsServer.start(vertx, config, TlsEngine.OPENSSL)) {
        long before = OpenSsl3Rsa.OPERATIONS.sum();
        assertEquals("TLSv1.3", TlsClient.of("TLSv1.3").handshake(server.port()).protocol());
        assertEquals(before, OpenSsl3Rsa.OPERATIONS.sum(), "BoringSSL signed");
      }
    } finally {
      OpenSsl3Rsa.select(RsaSigner.OPENSSL3);
    }
    assertEquals("openssl3", TlsEngine.OPENSSL.rsaSigner());
    assertEquals("jdk", TlsEngine.JDK.rsaSigner());
  }

  @Test
  void theSystemPropertyIsReadAnyCaseAndAnUnknownValueIsSaidAndIgnored() {
    try (LogCapture log = LogCapture.start()) {
      System.setProperty(OpenSsl3Rsa.PROPERTY, "BoringSSL");
      OpenSsl3Rsa.select(RsaSigner.OPENSSL3);
      assertEquals("boringssl", TlsEngine.OPENSSL.rsaSigner());
      assertEquals(List.of(), log.matching("WARNING"));
      System.setProperty(OpenSsl3Rsa.PROPERTY, "off");
      OpenSsl3Rsa.select(RsaSigner.OPENSSL3);
      assertEquals("openssl3", TlsEngine.OPENSSL.rsaSigner());
      assertEquals(1, log.matching("-Dgatehouse.tls.rsa=off ignored").size(), log.text());
    } finally {
      System.clearProperty(OpenSsl3Rsa.PROPERTY);
      OpenSsl3Rsa.select(RsaSigner.OPENSSL3);
    }
  }
}
