package io.gatehouse.listener;

import java.util.Map;
import java.util.TreeMap;

/** A listener's failed TLS handshakes by reason, as plain numbers to compare. */
final class TlsFailureCounts {

  private TlsFailureCounts() {}

  static Map<String, Long> of(ListenerState state) {
    Map<String, Long> counts = new TreeMap<>();
    state.tlsFailures().forEach((reason, n) -> counts.put(reason, n.sum()));
    return counts;
  }
}
