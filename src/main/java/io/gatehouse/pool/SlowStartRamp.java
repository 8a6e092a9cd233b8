package io.gatehouse.pool;

import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolConfig.LbAlgorithm;
import io.gatehouse.config.SlowStart;
import java.util.List;

/**
 * Slow start's effective weights for one snapshot. While a member ramps, every balancer weight counts in
 * {@code 1/scale} of a configured weight (HAProxy ramps in fractions of a weight likewise), so that a member of
 * weight 1 starts with a small share rather than, rounded up to 1, its whole one. While none ramps they are the
 * configured weights, and a pool at rest gets the balancers it would get without slow start.
 *
 * <p>Not for SOURCE_IP hashing: a weight that changes at every rebuild would remap clients every second.
 *
 * @param weights the balancer's weight of each usable member, in {@code 1/scale} of a configured weight
 * @param scale 1 while nothing ramps, else FINE_SCALE or less (see {@link #scale})
 * @param ramping whether some member has not reached its full weight yet (the Runtime rebuilds every second)
 */
record SlowStartRamp(int[] weights, int scale, boolean ramping) {

  /** The finest unit: 1/256 of a configured weight. */
  static final int FINE_SCALE = 256;

  /**
   * Bound on one round-robin rebuild while ramping (cycle length times members, see SmoothWeightedRoundRobin),
   * as it runs every second on the Runtime context: pools too large for FINE_SCALE ramp in a coarser unit.
   */
  static final long MAX_ROUND_ROBIN_WORK = 1L << 22;

  /** @param configured the configured weights of {@code usable}, same order (returned when nothing ramps) */
  static SlowStartRamp of(PoolConfig config, List<Member> usable, int[] configured, long nowNanos) {
    SlowStart ss = config.slowStart();
    long duration = ss == null ? 0 : ss.duration().toNanos();
    if (ss == null || !ss.enable() || duration <= 0 || config.lbAlgorithm() == LbAlgorithm.SOURCE_IP
        || usable.stream().allMatch(m -> m.recoveredForNanos(nowNanos) >= duration)) {
      return new SlowStartRamp(configured, 1, false);
    }
    int scale = scale(config.lbAlgorithm(), configured);
    int[] weights = new int[configured.length];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = weight(configured[i] * scale, usable.get(i).recoveredForNanos(nowNanos), duration);
    }
    return new SlowStartRamp(weights, scale, true);
  }

  /** Linear ramp from 0 to {@code full} over the duration, at least 1 so that a recovering member gets some. */
  static int weight(int full, long usableForNanos, long durationNanos) {
    if (usableForNanos >= durationNanos) {
      return full;
    }
    return (int) Math.max(1, (long) ((double) full * Math.max(0, usableForNanos) / durationNanos));
  }

  /**
   * FINE_SCALE, except for a round robin whose cycle would cost more than MAX_ROUND_ROBIN_WORK to rebuild.
   * Least connections costs the same whatever the unit.
   */
  static int scale(LbAlgorithm algorithm, int[] configured) {
    if (algorithm != LbAlgorithm.ROUND_ROBIN) {
      return FINE_SCALE;
    }
    long total = 0;
    for (int w : configured) {
      total += w;
    }
    long fits = MAX_ROUND_ROBIN_WORK / Math.max(1, total * configured.length);
    return (int) Math.max(1, Math.min(FINE_SCALE, fits));
  }
}
