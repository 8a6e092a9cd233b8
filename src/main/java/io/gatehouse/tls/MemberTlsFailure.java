package io.gatehouse.tls;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Names why a TLS handshake with a member failed, for the member TLS failure counters, the access log and the
 * probes' status reason: a small fixed set of labels.
 */
public final class MemberTlsFailure {

  /** The member's certificate does not chain to the pool's {@code ca_certificate}. */
  public static final String UNTRUSTED = "untrusted";
  /** The certificate chains, but names neither {@code tls_server_name} nor the member's address. */
  public static final String NAME_MISMATCH = "name_mismatch";
  /** The certificate (or one of its chain) is past its {@code notAfter}. */
  public static final String EXPIRED = "expired";
  /** The certificate (or one of its chain) is before its {@code notBefore}: often a clock out of step. */
  public static final String NOT_YET_VALID = "not_yet_valid";
  public static final String TIMEOUT = "timeout";
  /** Any other TLS failure: no shared version or suite, a bad record, the member closing mid-handshake. */
  public static final String HANDSHAKE = "handshake";

  private MemberTlsFailure() {}

  /** The reason of a failed member connection, or null when it did not fail in TLS (refused, reset, timed out). */
  public static String reason(Throwable e) {
    if (e instanceof SslHandshakeTimeoutException) {
      return TIMEOUT;
    }
    // the validity error sits below the path error that wraps it: what an operator fixes differs (renew, not trust)
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CertificateExpiredException) {
        return EXPIRED;
      }
      if (t instanceof CertificateNotYetValidException) {
        return NOT_YET_VALID;
      }
    }
    boolean tls = false;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      tls |= t instanceof SSLException;
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      // the JDK's HostnameChecker: "No subject alternative names matching IP address ..." / "No name matching ..."
      if (t instanceof CertificateException && (m.contains("no subject alternative") || m.contains("no name matching")
          || m.contains("does not match"))) {
        return NAME_MISMATCH;
      }
      if (t instanceof CertPathValidatorException || m.contains("path building failed")
          || m.contains("unable to find valid certification path") || m.contains("certificate_unknown")
          || m.contains("is not a ca certificate")) { // a chain whose anchor in ca_certificate is a leaf
        return UNTRUSTED;
      }
    }
    return tls ? HANDSHAKE : null;
  }
}
