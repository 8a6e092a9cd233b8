package io.gatehouse.balance;

import io.gatehouse.pool.Member;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the member minimising {@code (active + 1) / weight} from the members' shared active counters. The scan
 * starts one member further on each pick, so that tied members (an idle pool, say) take turns rather than the
 * first one in configuration order taking every connection.
 */
final class WeightedLeastConnections implements Balancer {

  private final Member[] members;
  private final int[] weights;
  private final AtomicInteger start = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 16));

  WeightedLeastConnections(List<Member> members, int[] weights) {
    this.members = members.toArray(new Member[0]);
    this.weights = weights.clone();
  }

  @Override
  public Member pick(long clientHash) {
    return best(null, start.getAndIncrement());
  }

  @Override
  public Member peek(long clientHash) {
    return best(null, start.get());
  }

  @Override
  public Member pickOther(Member excluded, long clientHash) {
    return best(excluded, start.getAndIncrement());
  }

  private Member best(Member excluded, int rotation) {
    int n = members.length;
    if (n == 0) {
      return null;
    }
    int first = Math.floorMod(rotation, n);
    Member best = null;
    long bestLoad = 0;
    long bestWeight = 1;
    for (int i = 0; i < n; i++) {
      int j = (first + i) % n;
      Member m = members[j];
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
