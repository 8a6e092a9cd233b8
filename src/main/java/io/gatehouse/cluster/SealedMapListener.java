package io.gatehouse.cluster;

import com.hazelcast.core.EntryAdapter;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A replicated map of sealed values and its entry listener: what the shared structures have in common (the map,
 * the writer that seals and writes, the current seal, where ignored entries are counted).
 */
abstract class SealedMapListener extends EntryAdapter<String, Object> {

  protected final ReplicatedMap<String, Object> map;
  protected final ClusterWriter writer;
  protected final Supplier<EntrySeal> seal;
  protected final RejectedEntries rejected;
  private volatile UUID registration;

  SealedMapListener(HazelcastInstance hz, String name, ClusterWriter writer, Supplier<EntrySeal> seal,
      RejectedEntries rejected) {
    this.map = hz.getReplicatedMap(name);
    this.writer = writer;
    this.seal = seal;
    this.rejected = rejected;
  }

  /**
   * On the writer thread: every entry of {@code map} that {@code owns} names and that another held secret sealed is
   * sealed again, in place, under the current one; so that once the old secret is dropped everywhere, what it
   * sealed is not left behind unreadable (a rotation). Each entry has one owner among the live nodes, so it is
   * written once.
   */
  static void resealOwned(ReplicatedMap<String, Object> map, String name, ClusterWriter writer, EntrySeal s,
      EntrySeal.Purpose purpose, java.util.function.Predicate<String> owns) {
    writer.submit(() -> map.forEach((k, v) -> {
      if (s.sealedByAnother(v) && owns.test(k)) {
        byte[] plain = s.open(purpose, name, k, v);
        if (plain != null) {
          map.put(k, s.seal(purpose, name, k, plain));
        }
      }
    }));
  }

  /**
   * An entry added or changed by any node, as it is in the map (sealed); on a Hazelcast thread. Subclasses that
   * keep the entry events below override it (the sticky tables handle their events themselves).
   */
  protected void receive(String key, Object sealed) {
  }

  @Override
  public void entryAdded(EntryEvent<String, Object> event) {
    receive(event.getKey(), event.getValue());
  }

  @Override
  public void entryUpdated(EntryEvent<String, Object> event) {
    receive(event.getKey(), event.getValue());
  }

  /** Starts receiving entry events: called by the subclass once its own fields are set. */
  protected final void listen() {
    registration = map.addEntryListener(this);
  }

  void close() {
    UUID r = registration;
    if (r != null) {
      map.removeEntryListener(r);
    }
  }
}
