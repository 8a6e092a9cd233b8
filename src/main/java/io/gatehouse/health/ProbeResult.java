package io.gatehouse.health;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * One probe's verdict and why, e.g. {@code up, "HTTP 200"} or {@code down, "connect refused"}; {@code tlsFailure}: the
 * {@code tls.MemberTlsFailure} reason when the TLS handshake with the member failed, else null.
 */
public record ProbeResult(boolean up, String reason, String tlsFailure) {

  public ProbeResult(boolean up, String reason) {
    this(up, reason, null);
  }

  /** A handshake with the member failed (e.g. its certificate is from another CA): {@code "tls untrusted"}. */
  static ProbeResult tlsFailed(String tlsFailure) {
    return new ProbeResult(false, "tls " + tlsFailure, tlsFailure);
  }

  static ProbeResult up(String reason) {
    return new ProbeResult(true, reason);
  }

  static ProbeResult down(String reason) {
    return new ProbeResult(false, reason);
  }

  static ProbeResult timedOut(Duration timeout) {
    return down("timeout after " + seconds(timeout) + " s");
  }

  /** {@code 3}, {@code 0.2}: as an operator wrote it. */
  static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
  }
}
