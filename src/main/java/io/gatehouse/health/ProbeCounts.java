package io.gatehouse.health;

import java.util.concurrent.atomic.LongAdder;

/**
 * Probes of one member by result and the time they took, for {@code gatehouse_health_probes_total} and
 * {@code gatehouse_health_probe_duration_seconds}; readable from any thread.
 */
public final class ProbeCounts {

  private final LongAdder success = new LongAdder();
  private final LongAdder failure = new LongAdder();
  private final LongAdder nanos = new LongAdder();

  void add(boolean up, long tookNanos) {
    (up ? success : failure).increment();
    nanos.add(tookNanos);
  }

  /** Every probe's duration added up. */
  public long totalNanos() {
    return nanos.sum();
  }

  public long success() {
    return success.sum();
  }

  public long failure() {
    return failure.sum();
  }
}
