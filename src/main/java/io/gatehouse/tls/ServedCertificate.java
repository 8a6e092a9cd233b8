package io.gatehouse.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A certificate a listener serves, as the status document and the expiry metric show it: its file and its key's,
 * the host names it is for (SAN DNS entries, else subject CNs), the expiry of its leaf and, with
 * {@code tls.ocsp_stapling}, its OCSP staple (else null).
 */
public record ServedCertificate(Path file, Path privateKey, List<String> names, Instant notAfter, OcspStaple ocsp) {

  /** How close to its expiry a certificate is warned about: in the log, the status document. */
  public static final Duration WARN_BEFORE = Duration.ofDays(14);

  public ServedCertificate {
    names = List.copyOf(names);
  }

  /** Without OCSP stapling. */
  public ServedCertificate(Path file, Path privateKey, List<String> names, Instant notAfter) {
    this(file, privateKey, names, notAfter, null);
  }

  /** How the metrics and warnings name it: its first DNS name (else subject CN), else its file's name. */
  public String label() {
    return names.isEmpty() ? String.valueOf(file.getFileName()) : names.get(0);
  }

  /** Whole days from {@code now} to its expiry, rounded down; negative once expired. */
  public long expiresInDays(Instant now) {
    return Math.floorDiv(notAfter.getEpochSecond() - now.getEpochSecond(), Duration.ofDays(1).toSeconds());
  }

  /** A warning when it expires within {@link #WARN_BEFORE} of {@code now} or has expired, else null. */
  public String expiryWarning(Instant now) {
    if (notAfter.isAfter(now.plus(WARN_BEFORE))) {
      return null;
    }
    return notAfter.isAfter(now)
        ? "expires in " + expiresInDays(now) + " days (" + notAfter + "): renew it"
        : "expired on " + notAfter + ": clients refuse it; renew it";
  }
}
