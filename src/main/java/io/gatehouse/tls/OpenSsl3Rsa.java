package io.gatehouse.tls;

import io.gatehouse.config.RsaSigner;
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
 * full handshake ({@code bench/NOTES.md}). The JNI part ({@code src/main/native}) is built with the jar where a C
 * compiler is. Chosen by {@code tls_rsa_signer} at start-up ({@link #select}); BoringSSL signs instead with
 * {@code "boringssl"}, with {@code -Dgatehouse.tls.rsa=boringssl}, without the native part or OpenSSL 3, and with
 * OpenSSL 3.0.4, whose AVX-512 RSA code corrupts memory (CVE-2022-2274). Distributions backport fixes without
 * changing the version, so only that release is refused. ECDSA keys always stay with BoringSSL, whose P-256 code is
 * as fast.
 */
public final class OpenSsl3Rsa {

  static final String PROPERTY = "gatehouse.tls.rsa";
  /** OpenSSL 3.0.4 (OPENSSL_VERSION_NUMBER 0xMNN00PP0). */
  static final long OPENSSL_3_0_4 = 0x3000_0040L;
  private static final String LIBRARY = "/native/linux-x86_64/libgatehouse_rsa.so";
  private static final Logger LOG = Logs.of(OpenSsl3Rsa.class);
  private static final Cleaner CLEANER = Cleaner.create();
  /** Null once the library is loaded and usable, else why not; loaded at most once, on first want. */
  private static String unavailable;
  private static boolean loaded;
  /** Whether contexts built from now on hand RSA keys to OpenSSL 3. */
  private static volatile boolean inUse;
  /** The method for each key manager factory holding an RSA pair; weak: a factory lives as long as its options. */
  private static final Map<KeyManagerFactory, OpenSslPrivateKeyMethod> BY_FACTORY =
      Collections.synchronizedMap(new WeakHashMap<>());
  /** Private-key operations done here (signatures and decryptions), for tests and the curious. */
  static final LongAdder OPERATIONS = new LongAdder();

  private OpenSsl3Rsa() {}

  /**
   * Applies {@code tls_rsa_signer} for the TLS contexts built from now on (at start-up: a reload that changes it
   * waits for a restart) and logs which signer RSA keys get, with the reason when it is not the one asked for.
   */
  public static synchronized void select(RsaSigner wanted) {
    String property = System.getProperty(PROPERTY);
    boolean propertyOff = "boringssl".equalsIgnoreCase(property);
    if (property != null && !propertyOff && !"openssl3".equalsIgnoreCase(property)) {
      LOG.warning("tls: -D" + PROPERTY + "=" + property + " ignored: the values are openssl3 and boringssl");
    }
    String why;
    if (wanted == RsaSigner.BORINGSSL) {
      why = "tls_rsa_signer is boringssl";
    } else if (propertyOff) {
      why = "turned off by -D" + PROPERTY + "=" + property;
    } else {
      if (!loaded) {
        unavailable = loadLibrary();
        loaded = true;
      }
      why = unavailable;
    }
    inUse = why == null;
    if (why == null) {
      LOG.info("tls: RSA private keys used through " + versionText() + " (libcrypto.so.3)");
    } else if (wanted == RsaSigner.BORINGSSL || propertyOff) {
      LOG.info("tls: RSA private keys used through BoringSSL: " + why);
    } else {
      // openssl3 was asked for and cannot be had: the operator should know, for it may be a refused release
      LOG.warning("tls: RSA private keys used through BoringSSL, not OpenSSL 3 as tls_rsa_signer asks: " + why);
    }
  }

  /** Whether RSA keys of contexts built now are signed for here. */
  static boolean available() {
    return inUse;
  }

  /** {@code tls_rsa_signer}'s name of the signer RSA keys of BoringSSL contexts built now get. */
  static String signerName() {
    return inUse ? RsaSigner.OPENSSL3.configName() : RsaSigner.BORINGSSL.configName();
  }

  /** Why a loaded libcrypto may not be used, or null: only OpenSSL 3.0.4 is refused. */
  static String refusal(long versionNumber, String versionText) {
    return versionNumber == OPENSSL_3_0_4 ? versionText + " is refused: its AVX-512 RSA code corrupts memory"
        + " (CVE-2022-2274); update OpenSSL" : null;
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
      String why = open();
      return why != null ? why : refusal(versionNumber(), versionText());
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

  /** The loaded libcrypto's OPENSSL_VERSION_NUMBER, after {@link #open}. */
  private static native long versionNumber();

  /** The loaded libcrypto's version text ("OpenSSL 3.0.13 30 Jan 2024"), after {@link #open}. */
  private static native String versionText();

  /** A PKCS#8 (DER) RSA key into an OpenSSL handle; 0 for another key type. */
  private static native long load(byte[] pkcs8);

  private static native void free(long handle);

  /** Signs {@code input} (the message: the digest is taken natively) with a TLS signature scheme code point. */
  static native byte[] sign(long handle, int scheme, byte[] input) throws javax.net.ssl.SSLException;

  /** Raw RSA decryption (no padding), as BoringSSL asks of a private key method for RSA key exchange. */
  static native byte[] decrypt(long handle, byte[] input) throws javax.net.ssl.SSLException;
}
