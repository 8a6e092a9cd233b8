package io.gatehouse.session;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Placeholder: implemented on the balance branch. */
final class LocalStickyTable implements StickyTable {
  private final ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();

  LocalStickyTable(int maxEntries, LongSupplier nanoClock) {}

  @Override public String lookup(String key) { return map.get(key); }
  @Override public void record(String key, String memberId, Duration ttl) { map.put(key, memberId); }
  @Override public void touch(String key, Duration ttl) {}
  @Override public void forget(String key) { map.remove(key); }
  @Override public int size() { return map.size(); }
  @Override public void sweep() {}
}
