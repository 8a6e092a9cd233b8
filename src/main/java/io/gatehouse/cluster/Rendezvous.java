package io.gatehouse.cluster;

import io.gatehouse.balance.ClientHash;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Rendezvous (highest random weight) hashing: every node computes the same owner for a key from the same set of
 * node names, and a node leaving moves only the keys it owned.
 */
final class Rendezvous {

  private Rendezvous() {
  }

  /** The owner of {@code key} among {@code nodes}, or null when there is none. */
  static String owner(Collection<String> nodes, String key) {
    String best = null;
    long bestScore = 0;
    for (String node : nodes) {
      long score = score(node, key);
      if (best == null || Long.compareUnsigned(score, bestScore) > 0
          || score == bestScore && node.compareTo(best) < 0) {
        best = node;
        bestScore = score;
      }
    }
    return best;
  }

  /** Node and key (with a separator) through the project's fixed-seed hash: near keys score far apart. */
  static long score(String node, String key) {
    return ClientHash.hash((node + '\u0000' + key).getBytes(StandardCharsets.UTF_8), SEED);
  }

  private static final long SEED = 0x6761746568737265L;
}
