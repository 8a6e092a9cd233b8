package io.gatehouse.session;

import java.time.Duration;

/**
 * A pool's sticky sessions: key (a client address for SOURCE_IP, a learned cookie value for APP_COOKIE) to the
 * identity ({@code address:port}) of the member it sticks to, each entry living until {@code ttl} after it was
 * last recorded or touched. Lookups run on the hot path: local, non-blocking, thread-safe.
 */
public interface StickyTable {

  /** The member identity for {@code key}, or null when there is none or it expired. */
  String lookup(String key);

  /** Maps {@code key} to {@code memberId} for {@code ttl} from now (replacing any entry). */
  void record(String key, String memberId, Duration ttl);

  /**
   * Extends a live entry's life to {@code ttl} from now, but only once less than half of {@code ttl} is left:
   * refreshing is coarse so that hits do not cause a write (later, a replicated write) each time. No effect when
   * there is no live entry.
   */
  void touch(String key, Duration ttl);

  /** Removes {@code key}, e.g. when its member is no longer usable. */
  void forget(String key);

  /** Live entries (expired ones may be counted until the next sweep). */
  int size();

  /** Drops expired entries; called periodically by the Runtime. */
  void sweep();

  /** The live entry for {@code key} as the admin route API shows it, or null. */
  StickyEntry entry(String key);

  /** New keys that were not stored because the table was full (existing keys are always updated). */
  long overflows();

  /** A table bounded to {@code maxEntries} keys on this node only. */
  static StickyTable local(int maxEntries) {
    return new LocalStickyTable(maxEntries, System::nanoTime);
  }
}
