package io.gatehouse.runtime;

import io.gatehouse.listener.ListenerState;
import io.gatehouse.log.Logs;
import io.gatehouse.tls.ServedCertificate;
import io.gatehouse.tls.ServerTls;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * WARN lines for served certificates that expire within {@link ServedCertificate#WARN_BEFORE} (or have expired):
 * one when such a certificate is first served (start, reload, replaced file), then one a day while it is. Checked
 * on the Runtime's timer, never per handshake. Runtime context only.
 */
final class CertificateExpiryWarnings {

  private static final Logger LOG = Logs.of(CertificateExpiryWarnings.class);

  private final Duration repeat;
  /** When each served certificate (listener, file, expiry) was last warned about. */
  private final Map<String, Instant> warned = new HashMap<>();

  CertificateExpiryWarnings(Duration repeat) {
    this.repeat = repeat;
  }

  /** Warns about what the running listeners serve at {@code now}. */
  void check(Map<String, ListenerState> listeners, Instant now) {
    Map<String, List<ServedCertificate>> served = new LinkedHashMap<>();
    listeners.forEach((name, state) -> {
      ServerTls tls = state.tls();
      if (tls != null) {
        served.put(name, tls.certificates());
      }
    });
    checkServed(served, now);
  }

  /** Warns about what needs it at {@code now}, and forgets certificates no longer served. */
  void checkServed(Map<String, List<ServedCertificate>> byListener, Instant now) {
    Set<String> served = new HashSet<>();
    byListener.forEach((name, certificates) -> {
      for (ServedCertificate c : certificates) {
        String key = name + "\n" + c.file() + "\n" + c.notAfter();
        served.add(key);
        String warning = c.expiryWarning(now);
        Instant last = warned.get(key);
        if (warning != null && (last == null || !now.isBefore(last.plus(repeat)))) {
          warned.put(key, now);
          LOG.warning("tls: listener " + name + ": certificate " + c.label() + " (" + c.file() + ") " + warning);
        }
      }
    });
    warned.keySet().retainAll(served);
  }
}
