package io.gatehouse.session;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A sticky table in a {@link ConcurrentHashMap}: lock-free reads, expiry checked on read and swept periodically.
 * The number of keys is bounded: a slot is reserved before a new key is stored, so the bound holds even under
 * concurrent inserts; a new key that finds the table full is not stored and counted.
 */
final class LocalStickyTable implements StickyTable {

  private record Entry(String memberId, long expiresAtNanos, long createdAtMillis) {
    boolean expired(long nowNanos) {
      return nowNanos - expiresAtNanos >= 0;
    }
  }

  private final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();
  private final int maxEntries;
  private final LongSupplier nanoClock;
  /** Keys stored or reserved; never above maxEntries. */
  private final AtomicInteger count = new AtomicInteger();
  private final LongAdder overflows = new LongAdder();

  LocalStickyTable(int maxEntries, LongSupplier nanoClock) {
    this.maxEntries = maxEntries;
    this.nanoClock = nanoClock;
  }

  @Override
  public String lookup(String key) {
    Entry e = live(key, nanoClock.getAsLong());
    return e == null ? null : e.memberId();
  }

  @Override
  public void record(String key, String memberId, Duration ttl) {
    long now = nanoClock.getAsLong();
    map.compute(key, (k, old) -> {
      if (old == null && !reserve()) {
        overflows.increment();
        return null;
      }
      boolean same = old != null && !old.expired(now) && old.memberId().equals(memberId);
      long created = same ? old.createdAtMillis() : System.currentTimeMillis();
      return new Entry(memberId, now + ttl.toNanos(), created);
    });
  }

  @Override
  public void touch(String key, Duration ttl) {
    long now = nanoClock.getAsLong();
    Entry e = live(key, now);
    long ttlNanos = ttl.toNanos();
    if (e != null && e.expiresAtNanos() - now < ttlNanos / 2) {
      // conditional: a concurrent record or forget wins over a refresh
      map.replace(key, e, new Entry(e.memberId(), now + ttlNanos, e.createdAtMillis()));
    }
  }

  @Override
  public void forget(String key) {
    if (map.remove(key) != null) {
      count.decrementAndGet();
    }
  }

  @Override
  public int size() {
    return map.size();
  }

  @Override
  public void sweep() {
    long now = nanoClock.getAsLong();
    map.forEach((key, e) -> {
      if (e.expired(now)) {
        remove(key, e);
      }
    });
  }

  @Override
  public StickyEntry entry(String key) {
    long now = nanoClock.getAsLong();
    Entry e = live(key, now);
    return e == null
        ? null
        : new StickyEntry(e.memberId(), TimeUnit.NANOSECONDS.toMillis(e.expiresAtNanos() - now), e.createdAtMillis());
  }

  @Override
  public long overflows() {
    return overflows.sum();
  }

  /** The entry for {@code key} if it has not expired; an expired one is removed on the way. */
  private Entry live(String key, long now) {
    Entry e = map.get(key);
    if (e != null && e.expired(now)) {
      remove(key, e);
      return null;
    }
    return e;
  }

  private void remove(String key, Entry e) {
    if (map.remove(key, e)) {
      count.decrementAndGet();
    }
  }

  private boolean reserve() {
    int c;
    do {
      c = count.get();
      if (c >= maxEntries) {
        return false;
      }
    } while (!count.compareAndSet(c, c + 1));
    return true;
  }
}
