package io.gatehouse.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryAdapter;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.gatehouse.session.ClusterStickyTable;
import io.gatehouse.session.StickyReplication;
import io.gatehouse.session.StickyValue;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every pool's sticky entries in one replicated map ({@code gatehouse.sticky}, key {@code pool \n key}, per-entry
 * TTL): writes leave through the {@link ClusterWriter}; entry events are copied into the pools' local replicas.
 */
final class SharedSticky extends EntryAdapter<String, String>
    implements StickyReplication {

  static final String MAP = "gatehouse.sticky";
  private static final char SEPARATOR = '\n';

  private final ReplicatedMap<String, String> map;
  private final ClusterWriter writer;
  private final Map<String, ClusterStickyTable> tables = new ConcurrentHashMap<>();
  private final UUID registration;

  SharedSticky(HazelcastInstance hz, ClusterWriter writer) {
    this.map = hz.getReplicatedMap(MAP);
    this.writer = writer;
    this.registration = map.addEntryListener(this);
  }

  /** The pool's table, filled with the entries the cluster holds for it (local reads of the replica). */
  ClusterStickyTable table(String pool, int maxEntries) {
    ClusterStickyTable t = new ClusterStickyTable(pool, maxEntries, this);
    tables.put(pool, t);
    String prefix = pool + SEPARATOR;
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        t.applyRemote(e.getKey().substring(prefix.length()), StickyValue.decode(e.getValue()));
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
      String k = pool + SEPARATOR + key;
      String v = value.encode();
      writer.submit(() -> map.put(k, v, ttl, TimeUnit.MILLISECONDS));
    }
  }

  @Override
  public void remove(String pool, String key, StickyValue removed) {
    String k = pool + SEPARATOR + key;
    writer.submit(() -> map.remove(k));
  }

  @Override
  public void entryAdded(EntryEvent<String, String> event) {
    ClusterStickyTable t = tableOf(event.getKey());
    if (t != null && event.getValue() != null) {
      t.applyRemote(keyOf(event.getKey()), StickyValue.decode(event.getValue()));
    }
  }

  @Override
  public void entryUpdated(EntryEvent<String, String> event) {
    entryAdded(event);
  }

  @Override
  public void entryRemoved(EntryEvent<String, String> event) {
    ClusterStickyTable t = tableOf(event.getKey());
    String old = event.getOldValue() != null ? event.getOldValue() : event.getValue();
    if (t != null && old != null) {
      t.applyRemoteRemoval(keyOf(event.getKey()), StickyValue.decode(old));
    }
  }

  void close() {
    map.removeEntryListener(registration);
  }

  private ClusterStickyTable tableOf(String mapKey) {
    int i = mapKey.indexOf(SEPARATOR);
    return i < 0 ? null : tables.get(mapKey.substring(0, i));
  }

  private static String keyOf(String mapKey) {
    return mapKey.substring(mapKey.indexOf(SEPARATOR) + 1);
  }
}
