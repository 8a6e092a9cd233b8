package io.gatehouse.tls;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A listener's OCSP fetches by certificate (its label) and result ({@code success}, {@code failure}). */
public final class OcspFetchCounts {

  /** One certificate's fetches of one result. */
  public record Key(String certificate, String result) {}

  private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

  void count(String certificate, boolean success) {
    counts.computeIfAbsent(new Key(certificate, success ? "success" : "failure"), k -> new LongAdder()).increment();
  }

  /** Live counts; a key appears with its first fetch. */
  public Map<Key, LongAdder> counts() {
    return counts;
  }
}
