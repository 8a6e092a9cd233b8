package io.gatehouse.health;

import java.util.concurrent.atomic.LongAdder;

/** Probes of one member by result, for {@code gatehouse_health_probes_total}; readable from any thread. */
public final class ProbeCounts {

  private final LongAdder success = new LongAdder();
  private final LongAdder failure = new LongAdder();

  void add(boolean up) {
    (up ? success : failure).increment();
  }

  public long success() {
    return success.sum();
  }

  public long failure() {
    return failure.sum();
  }
}
