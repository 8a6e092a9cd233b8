package io.gatehouse.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A pool reference that may be one pool or a weighted split: {@code default_pool} or {@code default_pools},
 * {@code redirect_pool} or {@code redirect_pools}; exactly one of the pair. A single pool reads as a split of one.
 */
final class PoolSplitParser {
  /** Split weights: like a member's (0-100) but finer, so that 1 % canaries and 255:1 tests fit. */
  static final int MAX_WEIGHT = 256;
  private static final long MAX_STICKY_SECONDS = 86_400;
  private static final Duration DEFAULT_STICKY = Duration.ofHours(1);

  private PoolSplitParser() {}

  /**
   * @param single the single pool's field ({@code default_pool}), {@code single + "s"} being the list's
   * @return the entries (one of weight 1 for the single form), empty after an error
   */
  static List<PoolWeight> parse(ObjectReader r, String single, Declarations declared, ListenerProtocol protocol) {
    String list = single + "s";
    if (r.has(single) && r.has(list)) {
      r.error(list, r.pathOf(single) + " and " + r.pathOf(list) + " exclude each other: give one");
      return List.of();
    }
    if (!r.has(list)) {
      String pool = r.requiredString(single);
      declared.checkPool(r, single, pool, protocol);
      return pool == null ? List.of() : List.of(new PoolWeight(pool, 1));
    }
    if (r.list(list) == null) {
      return List.of();
    }
    List<ObjectReader> entries = r.objects(list);
    if (entries.isEmpty()) {
      r.error(list, "must name at least one pool");
    }
    List<PoolWeight> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    boolean anyWeight = false;
    for (ObjectReader e : entries) {
      if (e == null) {
        continue;
      }
      String pool = e.requiredString("pool");
      int weight = e.intIn("weight", 0, MAX_WEIGHT, 1);
      if (pool != null && !seen.add(pool)) {
        e.error("pool", "pool \"" + pool + "\" is already in " + r.pathOf(list));
        continue;
      }
      declared.checkPool(e, "pool", pool, protocol);
      anyWeight |= weight > 0;
      if (pool != null) {
        out.add(new PoolWeight(pool, weight));
      }
    }
    if (!out.isEmpty() && !anyWeight) {
      r.error(list, "at least one pool needs a weight above 0");
    }
    return out;
  }

  /** {@code split_sticky}, the {@code slow_start} shape: {@code enable} and {@code duration} (seconds). */
  static SplitSticky sticky(ObjectReader s) {
    return s == null ? SplitSticky.OFF
        : new SplitSticky(s.bool("enable", false), s.secondsIn("duration", 1, MAX_STICKY_SECONDS, DEFAULT_STICKY));
  }
}
