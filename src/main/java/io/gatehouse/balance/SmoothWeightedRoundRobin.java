package io.gatehouse.balance;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * nginx's smooth weighted round robin ({@code current += weight; pick max; max -= total}): weights {5,1,1} give
 * {@code a a b a c a a}, interleaved rather than in bursts. The sequence is periodic, so one full cycle is
 * computed at construction and shared by every event loop through one atomic counter: picks are lock-free and
 * any run of {@code k} whole cycles gives each member exactly {@code k * weight} picks, however many threads pick.
 */
final class SmoothWeightedRoundRobin<T extends Target> implements Balancer<T> {

  /** Cycle length above which weights are scaled down, to bound memory and the rebuild cost. */
  static final int MAX_CYCLE = 1 << 16;

  /** The members in pick order; holds only Ts. */
  private final Object[] cycle;
  private final AtomicLong next;

  /** Starts at a random offset so that nodes and rebuilt snapshots do not all start on the same member. */
  SmoothWeightedRoundRobin(List<T> members, int[] weights) {
    this(members, weights, ThreadLocalRandom.current().nextLong(1L << 32));
  }

  SmoothWeightedRoundRobin(List<T> members, int[] weights, long start) {
    this.cycle = buildCycle(members, cycleWeights(weights));
    this.next = new AtomicLong(start);
  }

  /** The weights of one cycle: reduced by their gcd, scaled down proportionally (each kept >= 1) when too long. */
  static int[] cycleWeights(int[] weights) {
    int gcd = 0;
    long total = 0;
    for (int w : weights) {
      gcd = gcd(gcd, w);
      total += w;
    }
    int[] reduced = new int[weights.length];
    long reducedTotal = gcd == 0 ? 0 : total / gcd;
    for (int i = 0; i < weights.length; i++) {
      long w = weights[i] / gcd;
      reduced[i] = (int) (reducedTotal > MAX_CYCLE ? Math.max(1, w * MAX_CYCLE / reducedTotal) : w);
    }
    return reduced;
  }

  private static Object[] buildCycle(List<?> members, int[] weights) {
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    Object[] out = new Object[total];
    long[] current = new long[weights.length];
    for (int step = 0; step < total; step++) {
      int best = 0;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      out[step] = members.get(best);
    }
    return out;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** Length of one cycle (the sum of the cycle weights). */
  int cycleLength() {
    return cycle.length;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T pick(long clientHash) {
    return cycle.length == 0 ? null : (T) cycle[slot(next.getAndIncrement())];
  }

  @Override
  @SuppressWarnings("unchecked")
  public T peek(long clientHash) {
    return cycle.length == 0 ? null : (T) cycle[slot(next.get())];
  }

  @Override
  @SuppressWarnings("unchecked")
  public T pickOther(T excluded, long clientHash) {
    if (cycle.length == 0) {
      return null;
    }
    int start = slot(next.getAndIncrement());
    for (int i = 0; i < cycle.length; i++) {
      T m = (T) cycle[(start + i) % cycle.length];
      if (m != excluded) {
        return m;
      }
    }
    return null;
  }

  private int slot(long n) {
    return (int) Math.floorMod(n, (long) cycle.length);
  }
}
