package io.gatehouse.listener;

import io.gatehouse.config.ListenerConfig.ClientRate;
import java.security.SecureRandom;

/**
 * A listener's per-client table split into {@link ClientTable} shards, each with its own lock and its share of the
 * cap, so that the event loops accepting for one listener do not queue on one lock. A client's shard is chosen by
 * a hash with a random seed of this table's own, so that nobody can aim a flood at the shard a victim is in. At
 * the cap the least recently used idle entry of the new client's shard gives way. Small tables (tests) are one
 * shard, which keeps their eviction order exact.
 */
final class ShardedClientTable {

  private static final int SHARDS = 16;
  /** Below this many entries per shard a table is not split. */
  private static final int MIN_SHARD = 1024;

  private final ClientTable[] shards;
  private final long seed = new SecureRandom().nextLong();

  ShardedClientTable(int capacity) {
    int n = capacity >= SHARDS * MIN_SHARD ? SHARDS : 1;
    shards = new ClientTable[n];
    for (int i = 0; i < n; i++) {
      shards[i] = new ClientTable((capacity + n - 1) / n);
    }
  }

  boolean tryOpen(long key, int limit, long nowNanos) {
    return shard(key).tryOpen(key, limit, nowNanos);
  }

  void close(long key, long nowNanos) {
    shard(key).close(key, nowNanos);
  }

  boolean tryRequest(long key, ClientRate rate, long nowNanos) {
    return shard(key).tryRequest(key, rate, nowNanos);
  }

  void sweep(long nowNanos) {
    for (ClientTable t : shards) {
      t.sweep(nowNanos);
    }
  }

  int size() {
    int size = 0;
    for (ClientTable t : shards) {
      size += t.size();
    }
    return size;
  }

  boolean contains(long key) {
    return shard(key).contains(key);
  }

  private ClientTable shard(long key) {
    if (shards.length == 1) {
      return shards[0];
    }
    // the finaliser of SplitMix64: every bit of the key moves the top bits the shard is taken from
    long z = key ^ seed;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return shards[(int) (z >>> 60)];
  }
}
