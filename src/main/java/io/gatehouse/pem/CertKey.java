package io.gatehouse.pem;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** A parsed certificate chain (leaf first) and the private key that matches its leaf. */
public record CertKey(List<X509Certificate> chain, PrivateKey key) {

  private static final byte[] CHALLENGE = "gatehouse key check".getBytes(StandardCharsets.US_ASCII);

  public CertKey {
    chain = List.copyOf(chain);
  }

  /** Parses both PEM files and proves the key belongs to the leaf by signing a challenge with it. */
  public static CertKey parse(byte[] certificatePem, byte[] keyPem) throws BadPem {
    List<X509Certificate> chain = Pem.certificates(certificatePem);
    PrivateKey key = Pem.privateKey(keyPem);
    X509Certificate leaf = chain.get(0);
    if (!key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm()) || !signs(key, leaf)) {
      throw new BadPem("private key does not match the certificate");
    }
    return new CertKey(chain, key);
  }

  private static boolean signs(PrivateKey key, X509Certificate leaf) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(CHALLENGE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(CHALLENGE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** The host names the leaf is for, lower case: its SAN DNS entries, else its subject CNs (as browsers do). */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    try {
      if (leaf().getSubjectAlternativeNames() != null) {
        for (List<?> san : leaf().getSubjectAlternativeNames()) {
          if (((Number) san.get(0)).intValue() == 2) {
            names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
          }
        }
      }
      if (names.isEmpty()) {
        for (Rdn rdn : new LdapName(leaf().getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException | InvalidNameException e) {
      // an unreadable name list makes the certificate match no SNI name; it can still be the main pair
    }
    return names;
  }
}
