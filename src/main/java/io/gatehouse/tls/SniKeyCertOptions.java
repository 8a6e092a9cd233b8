package io.gatehouse.tls;

import io.gatehouse.pem.CertKey;
import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;

/**
 * Key material with SNI: a client's server name picks the pair whose certificate names it (exact first, then a
 * one-label wildcard); unknown names and clients without SNI get the main pair. Vert.x's own multi-pair PEM
 * options put every pair in the default key manager, so there the JDK picks some pair for them, not
 * necessarily the main one; here the default holds the main pair only. Immutable, so {@link #copy()} is itself.
 *
 * <p>For OpenSSL each factory is Netty's caching one: with a plain JDK factory Netty re-encodes the chain and
 * re-parses the private key into BoringSSL on every handshake (it cannot know the pair is fixed), which tripled
 * the CPU of a full handshake. The pairs here never change (a reload builds new options), so caching is safe.
 * (The factory is {@link OpenSsl3Rsa}'s, which also moves an RSA pair's signatures to OpenSSL 3 where it can.)
 */
final class SniKeyCertOptions implements KeyCertOptions {

  private static final char[] PASSWORD = "in-memory".toCharArray();

  private final KeyManagerFactory main;
  private final Map<String, KeyManagerFactory> exact = new HashMap<>();
  /** Keyed by the part after {@code *.}. */
  private final Map<String, KeyManagerFactory> wildcard = new HashMap<>();

  /** {@code staples}: the OCSP staple of each pair, main first, null where none is stapled. */
  SniKeyCertOptions(CertKey main, List<CertKey> sni, TlsEngine engine, List<OcspStaple> staples) {
    this.main = factory(main, engine, staples.get(0));
    for (int i = 0; i < sni.size(); i++) {
      CertKey pair = sni.get(i);
      KeyManagerFactory kmf = factory(pair, engine, staples.get(i + 1));
      for (String name : pair.names()) {
        // first pair in configuration order wins a name
        if (name.startsWith("*.")) {
          wildcard.putIfAbsent(name.substring(2), kmf);
        } else {
          exact.putIfAbsent(name, kmf);
        }
      }
    }
  }

  /** The factory for an SNI name, or null to use the main pair. */
  KeyManagerFactory forName(String serverName) {
    String name = serverName.toLowerCase(Locale.ROOT);
    KeyManagerFactory kmf = exact.get(name);
    int dot = name.indexOf('.');
    if (kmf == null && dot > 0) {
      kmf = wildcard.get(name.substring(dot + 1));
    }
    return kmf;
  }

  @Override
  public KeyCertOptions copy() {
    return this;
  }

  @Override
  public KeyManagerFactory getKeyManagerFactory(Vertx vertx) {
    return main;
  }

  @Override
  public Function<String, KeyManagerFactory> keyManagerFactoryMapper(Vertx vertx) {
    return this::forName;
  }

  private static KeyManagerFactory factory(CertKey pair, TlsEngine engine, OcspStaple staple) {
    KeyManagerFactory kmf = factory(pair, engine);
    if (staple != null && staple.stapleable()) {
      StaplingContext.register(kmf, staple); // the context Vert.x builds on this factory staples its response
    }
    return kmf;
  }

  private static KeyManagerFactory factory(CertKey pair, TlsEngine engine) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("key", pair.key(), PASSWORD, pair.chain().toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, PASSWORD);
      return engine == TlsEngine.OPENSSL ? OpenSsl3Rsa.factory(kmf, pair.key()) : kmf;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot hold a parsed key pair in memory", e);
    }
  }
}
