package io.gatehouse.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import io.gatehouse.cluster.EntrySeal.Purpose;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Each node's running configuration ({@code version digest}, sealed) by node name in {@code gatehouse.config}:
 * drift shows in the status. Entries are opened on receipt into a local copy, so the status reads no map.
 */
final class SharedConfigs extends SealedMapListener {

  static final String MAP = "gatehouse.config";

  private final Map<String, String> opened = new ConcurrentHashMap<>();
  /** Told when a node's entry first opens here or goes: the nodes that proved they hold the secret changed. */
  private volatile Runnable nodesChanged = () -> { };

  SharedConfigs(HazelcastInstance hz, ClusterWriter writer, Supplier<EntrySeal> seal, RejectedEntries rejected) {
    super(hz, MAP, writer, seal, rejected);
    listen();
    map.forEach(this::receive);
  }

  void publish(String node, int version, String digest) {
    byte[] plain = (version + " " + digest).getBytes(StandardCharsets.UTF_8);
    writer.submit(() -> map.put(node, seal.get().seal(Purpose.CONFIG, MAP, node, plain)));
  }

  void onNodesChanged(Runnable r) {
    nodesChanged = r;
  }

  /**
   * Whether node {@code name} showed it holds a secret of this node: its configuration entry, sealed for its own
   * name, opened here. Without a secret nothing is sealed and every name counts.
   */
  boolean proven(String name) {
    return !seal.get().sealing() || opened.containsKey(name);
  }

  /** Every node's configuration that opened here, by node name. */
  Map<String, String> all() {
    return Map.copyOf(opened);
  }

  /**
   * The nodes whose entry is in the map but does not open here (they seal with a secret this node lacks). Entries
   * copied in by the fill-up at join raise no event, so those not opened yet are opened now.
   */
  java.util.List<String> unopened() {
    map.forEach((k, v) -> {
      if (!opened.containsKey(k)) {
        receive(k, v);
      }
    });
    return map.keySet().stream().filter(k -> !opened.containsKey(k)).sorted().toList();
  }

  /** This node's own entry, if an older secret sealed it, sealed again under the current one. */
  void reseal(String node) {
    resealOwned(map, MAP, writer, seal.get(), Purpose.CONFIG, node::equals);
  }

  void remove(String node) {
    map.remove(node);
  }

  @Override
  public void entryRemoved(EntryEvent<String, Object> event) {
    if (opened.remove(event.getKey()) != null) {
      nodesChanged.run();
    }
  }

  @Override
  protected void receive(String node, Object sealed) {
    byte[] plain = seal.get().open(Purpose.CONFIG, MAP, node, sealed);
    String text = plain == null ? null : new String(plain, StandardCharsets.UTF_8);
    if (text == null) {
      if (opened.remove(node) != null) {
        nodesChanged.run();
      }
      rejected.reject(MAP, RejectedEntries.OPEN_FAILED, "node " + node + ": an entry that does not open with this"
          + " node's secrets");
    } else if (!text.matches("\\d{1,9} [0-9a-f]{0,64}")) {
      rejected.reject(MAP, RejectedEntries.DECODE_FAILED, "node " + node + ": not a configuration version");
    } else if (opened.put(node, text) == null) {
      nodesChanged.run();
    }
  }
}
