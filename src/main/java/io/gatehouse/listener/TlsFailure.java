package io.gatehouse.listener;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Names why a TLS handshake failed, for the refused-by-reason counters: a small fixed set of labels. */
public final class TlsFailure {

  /** The reason of a client-initiated renegotiation that the engine refused, ending the connection. */
  public static final String RENEGOTIATION = "renegotiation";

  private TlsFailure() {}

  /**
   * Whether {@code e} (as the pipeline delivers it: a DecoderException around the engine's SSLException) is the
   * engine refusing a client-initiated renegotiation. Neither engine has a type for it, only its message:
   * BoringSSL {@code NO_RENEGOTIATION}, the JDK (with jdk.tls.rejectClientInitiatedRenegotiation, see
   * TlsEngine) {@code Client initiated renegotiation is not allowed}.
   */
  public static boolean isRenegotiation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (t instanceof SSLException && m.contains("renegotiation")) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code timeout} (no handshake within client_timeout), {@code not_tls} (garbage instead of a ClientHello),
   * {@code protocol} (a version below the policy), {@code cipher} (no shared suite), {@code client_certificate}
   * (mutual TLS refused), {@code closed} (the client went away mid-handshake), {@code renegotiation} (a
   * client-initiated renegotiation refused), else {@code handshake}.
   */
  public static String reason(Throwable e) {
    if (isRenegotiation(e)) {
      return RENEGOTIATION;
    }
    if (e instanceof SslHandshakeTimeoutException) {
      return "timeout";
    }
    if (e instanceof NotSslRecordException) {
      return "not_tls";
    }
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null) {
      m = m + " " + cause.getMessage().toLowerCase(Locale.ROOT);
    }
    if (m.contains("protocol") || m.contains("version")) {
      return "protocol";
    }
    if (m.contains("cipher")) {
      return "cipher";
    }
    if (m.contains("certificate") || m.contains("peer not authenticated") || m.contains("certificate_required")) {
      return "client_certificate";
    }
    if (!(e instanceof SSLException)) {
      return "closed";
    }
    return "handshake";
  }
}
