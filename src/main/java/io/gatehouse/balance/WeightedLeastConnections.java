package io.gatehouse.balance;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the member minimising {@code (active + 1) / weight} from the members' shared active counters. The scan
 * starts one member further on each pick, so that tied members (an idle pool, say) take turns rather than the
 * first one in configuration order taking every connection.
 */
final class WeightedLeastConnections<T extends Target> implements Balancer<T> {

  private final Object[] members;
  private final int[] weights;
  private final AtomicInteger start = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 16));

  WeightedLeastConnections(List<T> members, int[] weights) {
    this.members = members.toArray();
    this.weights = weights.clone();
  }

  @Override
  public T pick(long clientHash) {
    return best(null, start.getAndIncrement());
  }

  @Override
  public T peek(long clientHash) {
    return best(null, start.get());
  }

  @Override
  public T pickOther(T excluded, long clientHash) {
    return best(excluded, start.getAndIncrement());
  }

  @SuppressWarnings("unchecked") // members holds only Ts
  private T best(T excluded, int rotation) {
    int n = members.length;
    if (n == 0) {
      return null;
    }
    int first = Math.floorMod(rotation, n);
    T best = null;
    long bestLoad = 0;
    long bestWeight = 1;
    for (int i = 0; i < n; i++) {
      int j = (first + i) % n;
      T m = (T) members[j];
      if (m == excluded) {
        continue;
      }
      long load = m.active() + 1L;
      // load / weight < bestLoad / bestWeight, without division
      if (best == null || load * bestWeight < bestLoad * weights[j]) {
        best = m;
        bestLoad = load;
        bestWeight = weights[j];
      }
    }
    return best;
  }
}
