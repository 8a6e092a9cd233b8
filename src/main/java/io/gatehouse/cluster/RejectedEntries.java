package io.gatehouse.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Shared entries this node ignored, by map and reason ({@code gatehouse_cluster_rejected_total{map,reason}}), with
 * at most one log line per map and reason every {@link #LOG_EVERY_MILLIS}: a stranger flooding a map must not
 * flood the log.
 */
public final class RejectedEntries {

  /** Sealed by a secret this node does not hold, altered, copied from another key, or of the wrong kind. */
  public static final String OPEN_FAILED = "open_failed";
  /** Opened, but its content is not a value Gatehouse wrote. */
  public static final String DECODE_FAILED = "decode_failed";
  /** Opened and decoded, but its sequence or time lies outside what this node accepts (replayed or far ahead). */
  public static final String SEQ_OUT_OF_RANGE = "seq_out_of_range";
  public static final List<String> REASONS = List.of(OPEN_FAILED, DECODE_FAILED, SEQ_OUT_OF_RANGE);
  public static final List<String> MAPS = List.of(SharedSticky.MAP, SharedHealth.MAP, SharedConfigs.MAP,
      SharedHealth.TOPIC, SharedOverrides.MAP);

  private static final Logger LOG = Logger.getLogger(RejectedEntries.class.getName());
  private static final long LOG_EVERY_MILLIS = 10_000;

  private record Count(LongAdder total, AtomicLong lastLogged, LongAdder unlogged) {}

  private final Map<String, Count> counts = new ConcurrentHashMap<>();

  RejectedEntries() {
    for (String map : MAPS) {
      for (String reason : REASONS) {
        counts.put(map + ' ' + reason, new Count(new LongAdder(), new AtomicLong(Long.MIN_VALUE), new LongAdder()));
      }
    }
  }

  /** Counts an ignored entry of {@code map} and logs it unless a line for the same map and reason was just logged. */
  void reject(String map, String reason, String detail) {
    Count c = counts.get(map + ' ' + reason);
    c.total().increment();
    long now = System.currentTimeMillis();
    long last = c.lastLogged().get();
    if (now - last >= LOG_EVERY_MILLIS && c.lastLogged().compareAndSet(last, now)) {
      long more = c.unlogged().sumThenReset();
      LOG.warning("cluster: ignored an entry of " + map + " (" + reason + "): " + detail
          + (more > 0 ? "; " + more + " more since the last such line" : ""));
    } else {
      c.unlogged().increment();
    }
  }

  /** Entries of {@code map} ignored for {@code reason} since start. */
  public long count(String map, String reason) {
    Count c = counts.get(map + ' ' + reason);
    return c == null ? 0 : c.total().sum();
  }
}
