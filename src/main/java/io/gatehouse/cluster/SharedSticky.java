package io.gatehouse.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import io.gatehouse.cluster.EntrySeal.Purpose;
import io.gatehouse.session.ClusterStickyTable;
import io.gatehouse.session.StickyReplication;
import io.gatehouse.session.StickyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every pool's sticky entries in one replicated map ({@code gatehouse.sticky}, per-entry TTL). The map key is
 * {@code pool \n keyed hash of the client key}; the value, sealed, holds the mapping and the client key. Writes leave
 * through the {@link ClusterWriter} (sealing included, off the event loops); entry events are opened, checked and
 * copied into the pools' local replicas, so a sticky hit stays a local read. An entry that fails is ignored and
 * counted.
 */
final class SharedSticky extends SealedMapListener
    implements StickyReplication {

  static final String MAP = "gatehouse.sticky";
  /** How far ahead of this node's clock another node's clock may be. */
  static final long SKEW_MILLIS = 60_000;
  /** The longest persistence_timeout (1440 minutes), and the skew. */
  private static final long MAX_TTL_MILLIS = Duration.ofMinutes(1440).toMillis() + SKEW_MILLIS;
  private static final char SEPARATOR = '\n';

  /** An entry that opened and names a client of a pool. */
  private record Received(String pool, String key, StickyValue value) {}

  private final Map<String, ClusterStickyTable> tables = new ConcurrentHashMap<>();

  SharedSticky(HazelcastInstance hz, ClusterWriter writer, Supplier<EntrySeal> seal, RejectedEntries rejected) {
    super(hz, MAP, writer, seal, rejected);
    listen();
  }

  /** The pool's table, filled with the entries the cluster holds for it (local reads of the replica). */
  ClusterStickyTable table(String pool, int maxEntries) {
    ClusterStickyTable t = new ClusterStickyTable(pool, maxEntries, this);
    tables.put(pool, t);
    String prefix = pool + SEPARATOR;
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        Received r = receive(e.getKey(), e.getValue(), true);
        if (r != null) {
          t.applyRemote(r.key(), r.value());
        }
      }
    }
    return t;
  }

  /** Blocking: waits until this node holds the cluster's entries (async fill-up is off for this map). */
  int fill() {
    return map.size();
  }

  @Override
  public void put(String pool, String key, StickyValue value) {
    long ttl = value.expiresAtMillis() - System.currentTimeMillis();
    if (ttl > 0) {
      writer.submit(() -> {
        EntrySeal s = seal.get();
        String k = pool + SEPARATOR + s.clientKey(pool, key);
        byte[] plain = (value.encode() + SEPARATOR + key).getBytes(StandardCharsets.UTF_8);
        map.put(k, s.seal(Purpose.STICKY, MAP, k, plain), ttl, TimeUnit.MILLISECONDS);
      });
    }
  }

  @Override
  public void remove(String pool, String key, StickyValue removed) {
    // every secret held makes its own map key: during a rotation the client may have an entry under each
    writer.submit(() -> seal.get().clientKeys(pool, key).forEach(k -> map.remove(pool + SEPARATOR + k)));
  }

  /**
   * The entries {@code owns} names that an older secret sealed, written again under the current one: their map key
   * is the current secret's hash of the client, so the copy goes beside the old entry, which its TTL ends (removing
   * it would remove the client's entry on every node).
   */
  void reseal(java.util.function.Predicate<String> owns) {
    EntrySeal s = seal.get();
    writer.submit(() -> map.forEach((k, v) -> {
      int i = k.indexOf(SEPARATOR);
      byte[] plain = i > 0 && s.sealedByAnother(v) && owns.test(k) ? s.open(Purpose.STICKY, MAP, k, v) : null;
      String text = plain == null ? "" : new String(plain, StandardCharsets.UTF_8);
      int j = text.indexOf(SEPARATOR);
      StickyValue value = j < 0 ? null : StickyValue.decode(text.substring(0, j));
      long ttl = value == null ? 0 : value.expiresAtMillis() - System.currentTimeMillis();
      if (ttl > 0) {
        String pool = k.substring(0, i);
        String moved = pool + SEPARATOR + s.clientKey(pool, text.substring(j + 1));
        map.put(moved, s.seal(Purpose.STICKY, MAP, moved, plain), ttl, TimeUnit.MILLISECONDS);
      }
    }));
  }

  @Override
  public void entryAdded(EntryEvent<String, Object> event) {
    Received r = receive(event.getKey(), event.getValue(), true);
    ClusterStickyTable t = r == null ? null : tables.get(r.pool());
    if (t != null) {
      t.applyRemote(r.key(), r.value());
    }
  }

  @Override
  public void entryUpdated(EntryEvent<String, Object> event) {
    entryAdded(event);
  }

  @Override
  public void entryRemoved(EntryEvent<String, Object> event) {
    Object old = event.getOldValue() != null ? event.getOldValue() : event.getValue();
    Received r = old == null ? null : receive(event.getKey(), old, false);
    ClusterStickyTable t = r == null ? null : tables.get(r.pool());
    if (t != null) {
      t.applyRemoteRemoval(r.key(), r.value());
    }
  }

  /**
   * The entry at {@code mapKey}, or null (counted and logged) when it does not open, is not a sticky value for the
   * client its key names, or, when {@code live}, has expired or lies beyond any persistence timeout. Never throws.
   */
  private Received receive(String mapKey, Object sealed, boolean live) {
    int i = mapKey.indexOf(SEPARATOR);
    EntrySeal s = seal.get();
    byte[] plain = i < 0 ? null : s.open(Purpose.STICKY, MAP, mapKey, sealed);
    if (plain == null) {
      rejected.reject(MAP, RejectedEntries.OPEN_FAILED, "an entry that does not open with this node's secrets");
      return null;
    }
    String pool = mapKey.substring(0, i);
    String text = new String(plain, StandardCharsets.UTF_8);
    int j = text.indexOf(SEPARATOR);
    StickyValue value = j < 0 ? null : StickyValue.decode(text.substring(0, j));
    String key = j < 0 ? null : text.substring(j + 1);
    if (value == null || !s.matchesClientKey(pool, key, mapKey.substring(i + 1))) {
      rejected.reject(MAP, RejectedEntries.DECODE_FAILED, "pool " + pool + ": not a sticky entry for its key");
      return null;
    }
    long now = System.currentTimeMillis();
    if (live && (value.expiresAtMillis() <= now || value.createdAtMillis() > now + SKEW_MILLIS
        || value.expiresAtMillis() > now + MAX_TTL_MILLIS)) {
      rejected.reject(MAP, RejectedEntries.SEQ_OUT_OF_RANGE, "pool " + pool + ": an entry created or expiring"
          + " outside the accepted window (expired, replayed, or from a clock far ahead)");
      return null;
    }
    return new Received(pool, key, value);
  }
}
