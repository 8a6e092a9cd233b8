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
    recordChange(key, memberId, ttl);
  }

  /** What {@link #recordChange} did: the live mapping before (or null) and the one stored (null: table full). */
  record Change(StickyValue before, StickyValue stored) {}

  Change recordChange(String key, String memberId, Duration ttl) {
    long now = nanoClock.getAsLong();
    long wall = System.currentTimeMillis();
    Entry[] before = new Entry[1];
    Entry stored = map.compute(key, (k, old) -> {
      boolean live = old != null && !old.expired(now);
      before[0] = live ? old : null;
      if (old == null && !reserve()) {
        overflows.increment();
        return null;
      }
      boolean same = live && old.memberId().equals(memberId);
      long created = same ? old.createdAtMillis() : wall;
      return new Entry(memberId, now + ttl.toNanos(), created);
    });
    return new Change(value(before[0], now, wall), value(stored, now, wall));
  }

  @Override
  public void touch(String key, Duration ttl) {
    refresh(key, ttl);
  }

  /** The refreshed mapping when {@link #touch} extended it, else null. */
  StickyValue refresh(String key, Duration ttl) {
    long now = nanoClock.getAsLong();
    Entry e = live(key, now);
    long ttlNanos = ttl.toNanos();
    if (e != null && e.expiresAtNanos() - now < ttlNanos / 2) {
      Entry next = new Entry(e.memberId(), now + ttlNanos, e.createdAtMillis());
      // conditional: a concurrent record or forget wins over a refresh
      if (map.replace(key, e, next)) {
        return value(next, now, System.currentTimeMillis());
      }
    }
    return null;
  }

  @Override
  public void forget(String key) {
    remove(key);
  }

  /** Removes {@code key}; returns its mapping if it was live. */
  StickyValue remove(String key) {
    long now = nanoClock.getAsLong();
    Entry e = map.remove(key);
    if (e == null) {
      return null;
    }
    count.decrementAndGet();
    return e.expired(now) ? null : value(e, now, System.currentTimeMillis());
  }

  /**
   * Takes a mapping recorded by another node, unless the live local one wins over it ({@link
   * StickyValue#winsOver}): then the local one is kept and returned so that the caller publishes it again and
   * every node converges on it. The same mapping only extends the local expiry.
   */
  StickyValue offer(String key, StickyValue in) {
    long now = nanoClock.getAsLong();
    long wall = System.currentTimeMillis();
    if (in.expiresAtMillis() <= wall) {
      return null;
    }
    long expires = now + TimeUnit.MILLISECONDS.toNanos(in.expiresAtMillis() - wall);
    StickyValue[] kept = new StickyValue[1];
    map.compute(key, (k, old) -> {
      if (old != null && !old.expired(now)) {
        StickyValue mine = value(old, now, wall);
        if (mine.sameMapping(in)) {
          return expires - old.expiresAtNanos() > 0 ? new Entry(old.memberId(), expires, old.createdAtMillis()) : old;
        }
        if (mine.winsOver(in)) {
          kept[0] = mine;
          return old;
        }
        return new Entry(in.memberId(), expires, in.createdAtMillis());
      }
      if (old == null && !reserve()) {
        overflows.increment();
        return null;
      }
      return new Entry(in.memberId(), expires, in.createdAtMillis());
    });
    return kept[0];
  }

  /**
   * Another node removed {@code key} whose mapping was {@code removed}: the local entry goes unless it is newer
   * (recorded here after that mapping, e.g. this node's own re-pick).
   */
  void removeUnlessNewer(String key, StickyValue removed) {
    Entry e = map.get(key);
    if (e != null && e.createdAtMillis() <= removed.createdAtMillis()) {
      remove(key, e);
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

  private static StickyValue value(Entry e, long nowNanos, long nowWall) {
    return e == null
        ? null
        : new StickyValue(e.memberId(), e.createdAtMillis(),
            nowWall + TimeUnit.NANOSECONDS.toMillis(e.expiresAtNanos() - nowNanos));
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
