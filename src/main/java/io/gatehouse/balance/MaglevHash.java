package io.gatehouse.balance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of a prime number of slots, filled by
 * the members in turns, each following its own permutation of the slots. A pick is one array read; removing one
 * of N members remaps about 1/N of the keys. Weight-aware: per round a member claims a slot only while its
 * claims stay within {@code round * weight / maxWeight}, so the heaviest member claims one slot every round.
 *
 * <p>Everything that shapes the table is independent of configuration order and of the JVM (members sorted by
 * identity, permutations from fixed-seed hashes of the identity), so every node builds the same table.
 */
final class MaglevHash<T extends Target> implements Balancer<T> {

  static final int TABLE_SIZE = 65537;

  private static final long OFFSET_SEED = 0x4d61676c65764f66L;
  private static final long SKIP_SEED = 0x4d61676c65765370L;

  /** Slots to members; holds only Ts. */
  private final Object[] table;

  MaglevHash(List<T> members, int[] weights) {
    this.table = members.isEmpty() ? new Object[0] : build(members, weights);
  }

  private static Object[] build(List<? extends Target> members, int[] weights) {
    Integer[] order = new Integer[members.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparing(i -> members.get(i).id()));
    int n = order.length;
    Target[] sorted = new Target[n];
    long[] weight = new long[n];
    long[] offset = new long[n];
    long[] skip = new long[n];
    long maxWeight = 0;
    for (int k = 0; k < n; k++) {
      sorted[k] = members.get(order[k]);
      weight[k] = weights[order[k]];
      maxWeight = Math.max(maxWeight, weight[k]);
      byte[] id = sorted[k].id().getBytes(StandardCharsets.UTF_8);
      offset[k] = Math.floorMod(ClientHash.hash(id, OFFSET_SEED), (long) TABLE_SIZE);
      skip[k] = Math.floorMod(ClientHash.hash(id, SKIP_SEED), (long) (TABLE_SIZE - 1)) + 1;
    }
    Object[] table = new Object[TABLE_SIZE];
    long[] probe = new long[n];
    long[] claimed = new long[n];
    int filled = 0;
    for (long round = 1; filled < TABLE_SIZE; round++) {
      for (int k = 0; k < n && filled < TABLE_SIZE; k++) {
        if ((claimed[k] + 1) * maxWeight > round * weight[k]) {
          continue;
        }
        int slot;
        do {
          slot = (int) ((offset[k] + probe[k] * skip[k]) % TABLE_SIZE);
          probe[k]++;
        } while (table[slot] != null);
        table[slot] = sorted[k];
        claimed[k]++;
        filled++;
      }
    }
    return table;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T pick(long clientHash) {
    return table.length == 0 ? null : (T) table[slot(clientHash)];
  }

  @Override
  public T peek(long clientHash) {
    return pick(clientHash);
  }

  /** The first member other than {@code excluded} walking forward from the key's slot: the same on every node. */
  @Override
  @SuppressWarnings("unchecked")
  public T pickOther(T excluded, long clientHash) {
    if (table.length == 0) {
      return null;
    }
    int start = slot(clientHash);
    for (int i = 0; i < TABLE_SIZE; i++) {
      T m = (T) table[(start + i) % TABLE_SIZE];
      if (m != excluded) {
        return m;
      }
    }
    return null;
  }

  private static int slot(long clientHash) {
    return (int) Math.floorMod(clientHash, (long) TABLE_SIZE);
  }
}
