package io.gatehouse.session;

import java.time.Duration;

/**
 * A pool's sticky table shared by the cluster. Reads are local: a replica kept current by the cluster's entry
 * events ({@link #applyRemote}, {@link #applyRemoteRemoval}), so a lookup never waits on the network. Local
 * changes update the replica at once and are published fire-and-forget; refreshes are as coarse as the local
 * table's, so sticky hits do not cause cluster writes.
 *
 * <p>Consistency: eventual. Two nodes choosing for the same new client at the same moment each serve their own
 * choice until the other's arrives (milliseconds); then every node keeps the mapping recorded first (earliest
 * createdAt, ties by member identity): a node holding the winner republishes it when the loser arrives, so the
 * cluster map converges on it too. Thread-safe: the hot path and the cluster's event thread both use it.
 */
public final class ClusterStickyTable implements StickyTable {

  private final String pool;
  private final LocalStickyTable replica;
  private final StickyReplication out;

  public ClusterStickyTable(String pool, int maxEntries, StickyReplication out) {
    this.pool = pool;
    this.replica = new LocalStickyTable(maxEntries, System::nanoTime);
    this.out = out;
  }

  public String pool() {
    return pool;
  }

  @Override
  public String lookup(String key) {
    return replica.lookup(key);
  }

  @Override
  public void record(String key, String memberId, Duration ttl) {
    LocalStickyTable.Change c = replica.recordChange(key, memberId, ttl);
    if (c.stored() == null) {
      return;
    }
    if (c.before() != null && !c.before().memberId().equals(memberId)) {
      // a re-pick replaces a mapping the others hold and would keep (it is older): retract it first
      out.remove(pool, key, c.before());
    }
    out.put(pool, key, c.stored());
  }

  @Override
  public void touch(String key, Duration ttl) {
    StickyValue refreshed = replica.refresh(key, ttl);
    if (refreshed != null) {
      out.put(pool, key, refreshed);
    }
  }

  @Override
  public void forget(String key) {
    StickyValue removed = replica.remove(key);
    if (removed != null) {
      out.remove(pool, key, removed);
    }
  }

  @Override
  public int size() {
    return replica.size();
  }

  @Override
  public void sweep() {
    replica.sweep();
  }

  @Override
  public StickyEntry entry(String key) {
    return replica.entry(key);
  }

  @Override
  public long overflows() {
    return replica.overflows();
  }

  /** A mapping recorded on some node (this one included): taken unless the local one wins, then republished. */
  public void applyRemote(String key, StickyValue value) {
    StickyValue winner = replica.offer(key, value);
    if (winner != null) {
      out.put(pool, key, winner);
    }
  }

  /** A mapping removed on some node: dropped here unless the local entry is newer. */
  public void applyRemoteRemoval(String key, StickyValue removed) {
    replica.removeUnlessNewer(key, removed);
  }
}
