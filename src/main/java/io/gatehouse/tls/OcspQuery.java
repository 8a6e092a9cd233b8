package io.gatehouse.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * What the gateway asks a responder about one certificate (RFC 6960), and the check of its answer: a successful
 * response signed by the issuer, or by a responder the issuer delegated to (id-kp-OCSPSigning), that names this
 * very certificate and is current. Signatures go through the JDK's providers; BouncyCastle only reads and writes
 * the ASN.1.
 */
final class OcspQuery {

  /** How far a responder's clock may run ahead of ours. */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private final X509CertificateHolder issuer;
  private final BigInteger serial;
  private final URI responder;
  private final CertificateID id;
  private final byte[] request;

  OcspQuery(X509Certificate leaf, X509Certificate issuer, URI responder) {
    try {
      this.issuer = new JcaX509CertificateHolder(issuer);
      this.serial = leaf.getSerialNumber();
      this.responder = responder;
      this.id = new CertificateID(digests().get(CertificateID.HASH_SHA1), this.issuer, serial);
      // no nonce: one response is stapled for every client until it is refreshed
      this.request = new OCSPReqBuilder().addRequest(id).build().getEncoded();
    } catch (CertificateEncodingException | OCSPException | OperatorCreationException | IOException e) {
      throw new IllegalArgumentException("cannot make an OCSP request for it: " + e.getMessage(), e);
    }
  }

  URI responder() {
    return responder;
  }

  /** The DER request body (application/ocsp-request). */
  byte[] request() {
    return request;
  }

  /** Checks a response body; the message of the exception says why it cannot be stapled. */
  OcspAnswer verify(byte[] der, Instant now) throws OcspRefusal {
    try {
      OCSPResp response = new OCSPResp(der);
      if (response.getStatus() != OCSPResp.SUCCESSFUL) {
        throw new OcspRefusal("the responder answered " + responseStatus(response.getStatus()));
      }
      if (!(response.getResponseObject() instanceof BasicOCSPResp basic)) {
        throw new OcspRefusal("the response is not a basic OCSP response");
      }
      if (!signedByIssuerOrDelegate(basic, now)) {
        throw new OcspRefusal("the response is not signed by the certificate's issuer or a responder it delegated to");
      }
      SingleResp single = about(basic);
      Instant thisUpdate = single.getThisUpdate().toInstant();
      Instant nextUpdate = single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
      if (thisUpdate.isAfter(now.plus(CLOCK_SKEW))) {
        throw new OcspRefusal("the response is not valid yet (thisUpdate " + thisUpdate + ")");
      }
      if (nextUpdate != null && !nextUpdate.isAfter(now)) {
        throw new OcspRefusal("the response expired at " + nextUpdate + " (its nextUpdate)");
      }
      return new OcspAnswer(der, status(single.getCertStatus()), thisUpdate, nextUpdate, now);
    } catch (IOException | OCSPException e) {
      throw new OcspRefusal("the response cannot be read: " + e.getMessage());
    }
  }

  private SingleResp about(BasicOCSPResp basic) throws OCSPException, OcspRefusal {
    for (SingleResp single : basic.getResponses()) {
      CertificateID answered = single.getCertID();
      if (answered.getSerialNumber().equals(serial) && answered.matchesIssuer(issuer, digests())) {
        return single;
      }
    }
    throw new OcspRefusal("the response is not about this certificate (serial " + serial.toString(16) + ")");
  }

  private boolean signedByIssuerOrDelegate(BasicOCSPResp basic, Instant now) throws OCSPException {
    ContentVerifierProvider byIssuer = verifier(issuer);
    if (basic.isSignatureValid(byIssuer)) {
      return true;
    }
    Date at = Date.from(now);
    for (X509CertificateHolder delegate : basic.getCerts()) {
      try {
        if (delegate.getIssuer().equals(issuer.getSubject()) && delegate.isValidOn(at)
            && delegatedToSign(delegate) && delegate.isSignatureValid(byIssuer)
            && basic.isSignatureValid(verifier(delegate))) {
          return true;
        }
      } catch (org.bouncycastle.cert.CertException e) {
        // not this one
      }
    }
    return false;
  }

  private static boolean delegatedToSign(X509CertificateHolder delegate) {
    ExtendedKeyUsage usage = ExtendedKeyUsage.fromExtensions(delegate.getExtensions());
    return usage != null && usage.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning);
  }

  private static ContentVerifierProvider verifier(X509CertificateHolder signer) throws OCSPException {
    try {
      return new JcaContentVerifierProviderBuilder().build(signer);
    } catch (OperatorCreationException | java.security.cert.CertificateException e) {
      throw new OCSPException("cannot check a signature: " + e.getMessage(), e);
    }
  }

  private static String status(CertificateStatus status) {
    if (status == CertificateStatus.GOOD) {
      return "good";
    }
    return status instanceof RevokedStatus ? "revoked" : "unknown";
  }

  private static String responseStatus(int status) {
    return switch (status) {
      case OCSPResp.MALFORMED_REQUEST -> "malformedRequest";
      case OCSPResp.INTERNAL_ERROR -> "internalError";
      case OCSPResp.TRY_LATER -> "tryLater";
      case OCSPResp.SIG_REQUIRED -> "sigRequired";
      case OCSPResp.UNAUTHORIZED -> "unauthorized";
      default -> "status " + status;
    };
  }

  private static DigestCalculatorProvider digests() throws OCSPException {
    try {
      return new JcaDigestCalculatorProviderBuilder().build();
    } catch (OperatorCreationException e) {
      throw new OCSPException("no digests: " + e.getMessage(), e);
    }
  }

  /** Why a response cannot be stapled. */
  static final class OcspRefusal extends Exception {
    OcspRefusal(String message) {
      super(message, null, false, false);
    }
  }
}
