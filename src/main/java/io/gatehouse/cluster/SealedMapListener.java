package io.gatehouse.cluster;

import com.hazelcast.core.EntryAdapter;
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
