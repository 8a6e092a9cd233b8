package io.gatehouse.cluster;

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

  /** FNV-1a over node, a separator and key, then a 64-bit finalizer so that near keys score far apart. */
  static long score(String node, String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (node + '\u0000' + key).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
