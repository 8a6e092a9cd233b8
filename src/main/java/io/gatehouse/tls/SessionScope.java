package io.gatehouse.tls;

import io.netty.handler.ssl.ClientAuth;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The session-ID context of a server context: a digest of what a resumed handshake does not check again, the
 * certificates served and the client authentication asked for (mode and trusted issuers). BoringSSL resumes a
 * session, whether from a ticket or from its cache, only under the context it was made in. Every context shares
 * the ticket keys (so that tickets cross nodes), so without this a ticket from a listener without {@code client_ca}
 * would open one that requires a client certificate, and one for one certificate a listener serving another. The
 * same configuration gives the same digest on every node, so a ticket still resumes on the node it reaches next.
 * As nginx does with its servers' certificates and client CAs.
 */
final class SessionScope {

  /** The key types a listener's certificates can have (JSSE's names, as the key managers are asked). */
  private static final String[] KEY_TYPES = {"RSA", "EC", "EdDSA", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"};

  private SessionScope() {}

  /**
   * The scope of a server context built on {@code kmf}, trusting {@code tmf} (may be null) for client certificates:
   * 32 bytes, BoringSSL's limit for a session-ID context (SSL_MAX_SID_CTX_LENGTH).
   */
  static byte[] of(KeyManagerFactory kmf, TrustManagerFactory tmf, ClientAuth clientAuth) {
    MessageDigest digest = sha256();
    add(digest, "gatehouse session scope v1");
    add(digest, clientAuth == null ? ClientAuth.NONE.name() : clientAuth.name());
    add(digest, "served");
    for (byte[] der : served(kmf)) {
      add(digest, der);
    }
    add(digest, "trusted");
    if (tmf != null && clientAuth != null && clientAuth != ClientAuth.NONE) {
      for (byte[] der : trusted(tmf)) {
        add(digest, der);
      }
    }
    return digest.digest();
  }

  /** Every certificate of every chain the key managers hold. */
  private static Set<byte[]> served(KeyManagerFactory kmf) {
    Set<byte[]> out = sortedSet();
    if (kmf == null) {
      return out;
    }
    for (KeyManager km : kmf.getKeyManagers()) {
      if (km instanceof X509KeyManager keys) {
        for (String type : KEY_TYPES) {
          String[] aliases = keys.getServerAliases(type, null);
          for (String alias : aliases == null ? new String[0] : aliases) {
            X509Certificate[] chain = keys.getCertificateChain(alias);
            for (X509Certificate c : chain == null ? new X509Certificate[0] : chain) {
              out.add(encoded(c));
            }
          }
        }
      }
    }
    return out;
  }

  private static Set<byte[]> trusted(TrustManagerFactory tmf) {
    Set<byte[]> out = sortedSet();
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager trust) {
        for (X509Certificate c : trust.getAcceptedIssuers()) {
          out.add(encoded(c));
        }
      }
    }
    return out;
  }

  /** DER encodings in a fixed order, whatever order the managers list them in. */
  private static Set<byte[]> sortedSet() {
    return new TreeSet<>(Arrays::compare);
  }

  private static byte[] encoded(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (CertificateEncodingException e) {
      // never for a certificate that was parsed from a file; its key still tells contexts apart
      return c.getPublicKey().getEncoded();
    }
  }

  /** Length-prefixed, so that no two sequences of parts digest alike. */
  private static void add(MessageDigest digest, byte[] part) {
    digest.update(ByteBuffer.allocate(4).putInt(part.length).array());
    digest.update(part);
  }

  private static void add(MessageDigest digest, String part) {
    add(digest, part.getBytes(StandardCharsets.UTF_8));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
