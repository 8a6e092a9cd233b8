package io.gatehouse.balance;

import io.gatehouse.config.PoolConfig.LbAlgorithm;
import java.util.List;

/**
 * Chooses a member among a fixed list of usable members with fixed effective weights. A balancer is built
 * with each pool snapshot and never sees the list change; it is shared by every event loop, so {@link #pick}
 * is thread-safe and lock-free.
 */
public interface Balancer<T extends Target> {

  /**
   * Picks a member, or returns null when the list is empty.
   *
   * @param clientHash a stable 64-bit hash of the client address (see {@link ClientHash}); only SOURCE_IP uses it
   */
  T pick(long clientHash);

  /**
   * The member {@link #pick} would return next, without advancing any rotation: what the admin route API shows.
   * Concurrent picks may of course move on before the next real one.
   */
  T peek(long clientHash);

  /** Picks a member other than {@code excluded} (after a failed connect), or null when there is none. */
  T pickOther(T excluded, long clientHash);

  /**
   * @param members the usable members, in configuration order
   * @param weights their effective weights (slow start applied), each above 0, same order, in any unit common to
   *     all (only their ratios count)
   */
  static <T extends Target> Balancer<T> forAlgorithm(LbAlgorithm algorithm, List<T> members, int[] weights) {
    return switch (algorithm) {
      case ROUND_ROBIN -> new SmoothWeightedRoundRobin<>(members, weights);
      case LEAST_CONNECTIONS -> new WeightedLeastConnections<>(members, weights);
      case SOURCE_IP -> new MaglevHash<>(members, weights);
    };
  }

  /**
   * Smooth weighted round robin starting at the head of its cycle, so that its order is the same on every node
   * and after every rebuild (splits between pools; members start at a random offset instead).
   */
  static <T extends Target> Balancer<T> smoothFromStart(List<T> members, int[] weights) {
    return new SmoothWeightedRoundRobin<>(members, weights, 0);
  }
}
