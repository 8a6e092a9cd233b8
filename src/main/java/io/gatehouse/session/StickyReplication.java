package io.gatehouse.session;

/**
 * Where a {@link ClusterStickyTable} sends its local changes: fire-and-forget, never blocking the caller (an
 * event loop on the hot path).
 */
public interface StickyReplication {

  /** Publishes {@code key -> value} of {@code pool} to the other nodes. */
  void put(String pool, String key, StickyValue value);

  /** Publishes the removal of {@code key} of {@code pool}, whose mapping was {@code removed}. */
  void remove(String pool, String key, StickyValue removed);
}
