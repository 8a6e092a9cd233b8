package io.gatehouse.tls;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * The OCSP response stapled for one served certificate: what a handshake reads ({@link #forHandshake()}, a
 * volatile read and a clock comparison) and what the status document shows. {@link OcspRefresher} fills it;
 * a certificate that cannot be stapled (no issuer in its chain file, no responder, an engine that cannot staple)
 * says why in {@link #lastError()} and is never fetched for.
 */
public final class OcspStaple {

  private final X509Certificate leaf;
  private final OcspQuery query;
  private final String unavailable;
  private volatile OcspAnswer answer;
  private volatile String lastError;

  private OcspStaple(X509Certificate leaf, OcspQuery query, String unavailable) {
    this.leaf = leaf;
    this.query = query;
    this.unavailable = unavailable;
    this.lastError = unavailable;
  }

  /**
   * For a served chain (leaf first, then its issuer): asks {@code configured} when set, else the leaf's AIA OCSP
   * URL. {@code engineProblem} is why the listener's engine cannot staple, or null.
   */
  static OcspStaple of(List<X509Certificate> chain, URI configured, String engineProblem) {
    X509Certificate leaf = chain.get(0);
    if (engineProblem != null) {
      return new OcspStaple(leaf, null, engineProblem);
    }
    if (chain.size() < 2 || !leaf.getIssuerX500Principal().equals(chain.get(1).getSubjectX500Principal())) {
      return new OcspStaple(leaf, null, "not stapled: the certificate file does not hold its issuer right after it "
          + "(an OCSP request names the issuer)");
    }
    URI responder = configured != null ? configured : aiaResponder(leaf);
    if (responder == null) {
      return new OcspStaple(leaf, null, "not stapled: the certificate names no OCSP responder (AIA) and "
          + "tls.ocsp_responder is not set");
    }
    try {
      return new OcspStaple(leaf, new OcspQuery(leaf, chain.get(1), responder), null);
    } catch (IllegalArgumentException e) {
      return new OcspStaple(leaf, null, "not stapled: " + e.getMessage());
    }
  }

  /** The first http OCSP URL of the certificate's Authority Information Access extension, else null. */
  static URI aiaResponder(X509Certificate certificate) {
    byte[] extension = certificate.getExtensionValue(Extension.authorityInfoAccess.getId());
    if (extension == null) {
      return null;
    }
    AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
        ASN1OctetString.getInstance(extension).getOctets());
    for (AccessDescription d : aia.getAccessDescriptions()) {
      GeneralName name = d.getAccessLocation();
      if (d.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
          && name.getTagNo() == GeneralName.uniformResourceIdentifier) {
        try {
          URI uri = new URI(name.getName().toString());
          if ("http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null) {
            return uri;
          }
        } catch (URISyntaxException e) {
          // the next one, if any
        }
      }
    }
    return null;
  }

  /** The response to staple now, else null: none fetched yet, or the last one has expired. Any thread. */
  byte[] forHandshake() {
    OcspAnswer a = answer;
    return a != null && a.staleAt().toEpochMilli() > System.currentTimeMillis() ? a.der() : null;
  }

  /** What is asked and checked, or null when this certificate cannot be stapled. */
  OcspQuery query() {
    return query;
  }

  boolean stapleable() {
    return query != null;
  }

  void store(OcspAnswer fresh) {
    answer = fresh;
    lastError = null;
  }

  void failed(String problem) {
    lastError = problem;
  }

  OcspAnswer answer() {
    return answer;
  }

  /** The same certificate asked of the same responder: what {@code older} holds serves for this one too. */
  boolean sameQueryAs(OcspStaple older) {
    try {
      return query != null && older.query != null && query.responder().equals(older.query.responder())
          && Arrays.equals(leaf.getEncoded(), older.leaf.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      return false;
    }
  }

  /** Takes over the response and last error of the staple this one replaces (a reload of the same certificate). */
  void adopt(OcspStaple older) {
    answer = older.answer;
    lastError = older.lastError;
  }

  /**
   * {@code good}, {@code revoked} or {@code unknown} (the stapled response's word), {@code pending} (none fetched
   * yet), {@code expired} (the last one is past its nextUpdate: nothing is stapled) or {@code unavailable}.
   */
  public String status(Instant now) {
    OcspAnswer a = answer;
    if (query == null) {
      return "unavailable";
    }
    if (a == null) {
      return "pending";
    }
    return a.staleAt().isAfter(now) ? a.status() : "expired";
  }

  /** The stapled response's thisUpdate, else null. */
  public Instant thisUpdate() {
    OcspAnswer a = answer;
    return a == null ? null : a.thisUpdate();
  }

  /** The stapled response's nextUpdate, else null (none yet, or the responder gave none). */
  public Instant nextUpdate() {
    OcspAnswer a = answer;
    return a == null ? null : a.nextUpdate();
  }

  /** Why the last fetch failed (the last good response still serves until it expires), or why none is made. */
  public String lastError() {
    return lastError;
  }

  /** Why this certificate is never stapled, or null. */
  String unavailable() {
    return unavailable;
  }
}
