package io.gatehouse.tls;

import io.gatehouse.log.Logs;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.OpenSslPrivateKeyMethod;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * RSA private-key operations of TLS handshakes through the system's OpenSSL 3 (libcrypto.so.3), as a Netty
 * {@link OpenSslPrivateKeyMethod} on the BoringSSL contexts. Why: BoringSSL has no AVX-512 IFMA code for RSA and
 * OpenSSL 3 has; where the CPU has it a 2048-bit signature costs 0.28 ms instead of 0.6 ms, which was most of a
 * full handshake ({@code bench/NOTES.md}). The JNI part ({@code src/main/native}) is built with the jar when a C
 * compiler is there; without it, or without OpenSSL 3, or with {@code -Dgatehouse.tls.rsa=boringssl}, BoringSSL
 * signs as before. ECDSA keys always stay with BoringSSL, whose P-256 code is as fast.
 */
final class OpenSsl3Rsa {

  static final String PROPERTY = "gatehouse.tls.rsa";
  private static final String LIBRARY = "/native/linux-x86_64/libgatehouse_rsa.so";
  private static final Logger LOG = Logs.of(OpenSsl3Rsa.class);
  private static final Cleaner CLEANER = Cleaner.create();
  private static final String UNAVAILABLE = init();
  /** The method for each key manager factory holding an RSA pair; weak: a factory lives as long as its options. */
  private static final Map<KeyManagerFactory, OpenSslPrivateKeyMethod> BY_FACTORY =
      Collections.synchronizedMap(new WeakHashMap<>());
  /** Private-key operations done here (signatures and decryptions), for tests and the curious. */
  static final LongAdder OPERATIONS = new LongAdder();

  private OpenSsl3Rsa() {}

  /** Whether RSA keys are signed for here; logged once, with the reason when not. */
  static boolean available() {
    return UNAVAILABLE == null;
  }

  /**
   * The key manager factory BoringSSL gets for a pair: Netty's caching one and, when the key is RSA and OpenSSL 3 is
   * here, one that hands BoringSSL the chain without the key, so that it asks the context's private key method
   * (set by {@link #methodFor}) for each signature instead of signing itself.
   */
  static KeyManagerFactory factory(KeyManagerFactory jdk, PrivateKey key) {
    Method method = available() && key instanceof RSAPrivateKey && key.getEncoded() != null ? method(key) : null;
    if (method == null) {
      return new OpenSslCachingX509KeyManagerFactory(jdk);
    }
    X509ExtendedKeyManager keys = (X509ExtendedKeyManager) jdk.getKeyManagers()[0];
    KeyManagerFactory keyless = new OpenSslCachingX509KeyManagerFactory(new KeyManagerFactoryWrapper(new ChainOnly(keys)));
    BY_FACTORY.put(keyless, method);
    return keyless;
  }

  /** The private key method for a server context built on {@code kmf}, or null when BoringSSL holds the key. */
  static OpenSslPrivateKeyMethod methodFor(KeyManagerFactory kmf) {
    return kmf == null ? null : BY_FACTORY.get(kmf);
  }

  /** The operations on one RSA key, or null when OpenSSL cannot read it. */
  private static Method method(PrivateKey key) {
    byte[] der = key.getEncoded();
    try {
      long handle = load(der);
      return handle == 0 ? null : new Method(handle);
    } finally {
      java.util.Arrays.fill(der, (byte) 0); // a copy of the key made for OpenSSL: not left for the heap to keep
    }
  }

  private static String init() {
    String why = null;
    if ("boringssl".equals(System.getProperty(PROPERTY))) {
      why = "turned off by -D" + PROPERTY + "=boringssl";
    } else {
      why = loadLibrary();
    }
    LOG.info(why == null ? "tls: RSA private keys used through OpenSSL 3 (libcrypto.so.3)"
        : "tls: RSA private keys used through BoringSSL: " + why);
    return why;
  }

  private static String loadLibrary() {
    try (InputStream in = OpenSsl3Rsa.class.getResourceAsStream(LIBRARY)) {
      if (in == null) {
        return "the jar was built without the native signer (no C compiler then)";
      }
      Path file = Files.createTempFile("gatehouse_rsa", ".so");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        System.load(file.toAbsolutePath().toString());
      } finally {
        Files.deleteIfExists(file); // loaded: the mapping outlives the name
      }
      return open();
    } catch (IOException | UnsatisfiedLinkError e) {
      return "cannot load the native signer: " + e.getMessage();
    }
  }

  /** A key manager that names and shows its pair's chain but keeps the private key to itself. */
  private static final class ChainOnly extends X509ExtendedKeyManager {
    private final X509ExtendedKeyManager keys;

    ChainOnly(X509ExtendedKeyManager keys) {
      this.keys = keys;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return null; // BoringSSL then signs through the private key method
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return keys.getCertificateChain(alias);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return keys.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return keys.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return keys.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null; // a server's pair
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  /** One RSA key, held by OpenSSL until this method object is unreachable (its contexts are gone). */
  private static final class Method implements OpenSslPrivateKeyMethod {
    private final long handle;

    Method(long handle) {
      this.handle = handle;
      CLEANER.register(this, () -> free(handle));
    }

    @Override
    public byte[] sign(SSLEngine engine, int signatureAlgorithm, byte[] input) throws Exception {
      OPERATIONS.increment();
      return OpenSsl3Rsa.sign(handle, signatureAlgorithm, input);
    }

    @Override
    public byte[] decrypt(SSLEngine engine, byte[] input) throws Exception {
      OPERATIONS.increment();
      return OpenSsl3Rsa.decrypt(handle, input);
    }
  }

  /** Null when libcrypto.so.3 has what is needed, else why not. */
  private static native String open();

  /** A PKCS#8 (DER) RSA key into an OpenSSL handle; 0 for another key type. */
  private static native long load(byte[] pkcs8);

  private static native void free(long handle);

  /** Signs {@code input} (the message: the digest is taken natively) with a TLS signature scheme code point. */
  static native byte[] sign(long handle, int scheme, byte[] input) throws javax.net.ssl.SSLException;

  /** Raw RSA decryption (no padding), as BoringSSL asks of a private key method for RSA key exchange. */
  static native byte[] decrypt(long handle, byte[] input) throws javax.net.ssl.SSLException;
}
