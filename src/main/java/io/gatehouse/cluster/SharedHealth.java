package io.gatehouse.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryAdapter;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.topic.ITopic;
import io.gatehouse.health.HealthChecker;
import io.gatehouse.health.HealthShare;
import io.gatehouse.health.SharedStatus;
import io.vertx.core.Context;
import io.gatehouse.cluster.EntrySeal.Purpose;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import java.util.UUID;

/**
 * Health shared by the cluster. A member's owner is the rendezvous choice of {@code pool/member} over the live
 * nodes; it alone probes the member and publishes changes, sealed, to the replicated map {@code gatehouse.health}.
 * Other nodes ask it for a probe on the topic {@code gatehouse.probe} (sealed too). Events arrive on Hazelcast threads and are only
 * posted to the Runtime context, where the pools' {@link HealthChecker}s apply them.
 */
final class SharedHealth extends EntryAdapter<String, Object>
    implements HealthShare {

  static final String MAP = "gatehouse.health";
  static final String TOPIC = "gatehouse.probe";
  private static final char SEPARATOR = '\n';
  /**
   * A member is probed on request at most this often: a sealed request can be replayed by any member of the
   * cluster, and each one honoured would be a probe, back to back.
   */
  static final long PROBE_REQUEST_EVERY_NANOS = 1_000_000_000L;

  private final ReplicatedMap<String, Object> map;
  private final ITopic<Object> topic;
  private final HazelcastView view;
  private final ClusterWriter writer;
  private final Supplier<EntrySeal> seal;
  private final RejectedEntries rejected;
  private final UUID mapRegistration;
  private final UUID topicRegistration;
  private volatile Context context;
  private volatile Map<String, HealthChecker> checkers;
  /** When a probe request was last honoured, by {@code pool \n member}; only members that exist are entered. */
  private final Map<String, Long> lastRequested = new java.util.concurrent.ConcurrentHashMap<>();

  SharedHealth(HazelcastInstance hz, HazelcastView view, ClusterWriter writer, Supplier<EntrySeal> seal,
      RejectedEntries rejected) {
    this.map = hz.getReplicatedMap(MAP);
    this.topic = hz.getTopic(TOPIC);
    this.view = view;
    this.writer = writer;
    this.seal = seal;
    this.rejected = rejected;
    this.mapRegistration = map.addEntryListener(this);
    this.topicRegistration = topic.addMessageListener(m -> probeAsked(m.getMessageObject()));
    view.onChange(() -> onContext(all -> all.values().forEach(HealthChecker::ownersChanged)));
  }

  /**
   * Events are applied from now on to the checkers of {@code runtimeContext} (the map is read and changed on
   * that context only).
   */
  void attach(Context runtimeContext, Map<String, HealthChecker> runtimeCheckers) {
    this.checkers = runtimeCheckers;
    this.context = runtimeContext;
  }

  /** Blocking: waits until this node holds the cluster's statuses (async fill-up is off for this map). */
  int fill() {
    return map.size();
  }

  @Override
  public boolean owns(String pool, String member) {
    String owner = Rendezvous.owner(view.members(), pool + SEPARATOR + member);
    return owner == null || owner.equals(view.nodeName());
  }

  @Override
  public SharedStatus current(String pool, String member) {
    String k = pool + SEPARATOR + member;
    Object v;
    try {
      v = map.get(k);
    } catch (com.hazelcast.core.HazelcastInstanceNotActiveException e) {
      return null; // the Hazelcast member stopped under the gateway: the node goes on with its own probes
    }
    return v == null ? null : receive(k, v);
  }

  @Override
  public void publish(String pool, String member, SharedStatus status) {
    String k = pool + SEPARATOR + member;
    byte[] plain = status.encode().getBytes(StandardCharsets.UTF_8);
    writer.submit(() -> map.put(k, seal.get().seal(Purpose.HEALTH, MAP, k, plain)));
  }

  @Override
  public void askProbe(String pool, String member) {
    String m = pool + SEPARATOR + member;
    byte[] plain = m.getBytes(StandardCharsets.UTF_8);
    writer.submit(() -> topic.publish(seal.get().seal(Purpose.PROBE, TOPIC, "", plain)));
  }

  private void probeAsked(Object message) {
    byte[] plain = seal.get().open(Purpose.PROBE, TOPIC, "", message);
    String poolAndMember = plain == null ? "" : new String(plain, StandardCharsets.UTF_8);
    int i = poolAndMember.indexOf(SEPARATOR);
    if (i < 0) {
      rejected.reject(TOPIC, plain == null ? RejectedEntries.OPEN_FAILED : RejectedEntries.DECODE_FAILED,
          "a probe request that is not from a node of this cluster");
      return;
    }
    if (askedJustNow(poolAndMember)) {
      return; // one probe a second answers every node that asked; more is a replay or a flood
    }
    String pool = poolAndMember.substring(0, i);
    String member = poolAndMember.substring(i + 1);
    onContext(all -> {
      HealthChecker c = all.get(pool);
      if (c != null && owns(pool, member) && !askedJustNow(poolAndMember)) {
        lastRequested.put(poolAndMember, System.nanoTime());
        c.probeRequested(member);
      }
    });
  }

  private boolean askedJustNow(String poolAndMember) {
    Long last = lastRequested.get(poolAndMember);
    return last != null && System.nanoTime() - last < PROBE_REQUEST_EVERY_NANOS;
  }

  @Override
  public void entryAdded(EntryEvent<String, Object> event) {
    String key = event.getKey();
    int i = key.indexOf(SEPARATOR);
    SharedStatus status = event.getValue() == null ? null : receive(key, event.getValue());
    if (status == null || i < 0) {
      return;
    }
    onContext(all -> {
      HealthChecker c = all.get(key.substring(0, i));
      if (c != null && !c.applyShared(key.substring(i + 1), status)) {
        rejected.reject(MAP, RejectedEntries.SEQ_OUT_OF_RANGE, key.replace(SEPARATOR, ' ')
            + ": a verdict older than the one this node holds (replayed, or very late)");
      }
    });
  }

  @Override
  public void entryUpdated(EntryEvent<String, Object> event) {
    entryAdded(event);
  }

  /**
   * The verdict at {@code key}, or null (counted and logged) when it does not open, is no verdict, or carries a
   * sequence ahead of this node's clock (sequences are milliseconds: one far ahead would pin the verdict).
   */
  private SharedStatus receive(String key, Object sealed) {
    byte[] plain = seal.get().open(Purpose.HEALTH, MAP, key, sealed);
    if (plain == null) {
      rejected.reject(MAP, RejectedEntries.OPEN_FAILED, "an entry that does not open with this node's secrets");
      return null;
    }
    SharedStatus status = SharedStatus.decode(new String(plain, StandardCharsets.UTF_8));
    if (status == null) {
      rejected.reject(MAP, RejectedEntries.DECODE_FAILED, key.replace(SEPARATOR, ' ') + ": not a health verdict");
      return null;
    }
    if (status.seq() > System.currentTimeMillis() + SharedSticky.SKEW_MILLIS) {
      rejected.reject(MAP, RejectedEntries.SEQ_OUT_OF_RANGE, key.replace(SEPARATOR, ' ')
          + ": a sequence ahead of this node's clock");
      return null;
    }
    return status;
  }

  /** The verdicts this node owns that an older secret sealed, sealed again under the current one. */
  void reseal() {
    SealedMapListener.resealOwned(map, MAP, writer, seal.get(), Purpose.HEALTH, k -> {
      int i = k.indexOf(SEPARATOR);
      return i > 0 && owns(k.substring(0, i), k.substring(i + 1));
    });
  }

  void close() {
    map.removeEntryListener(mapRegistration);
    topic.removeMessageListener(topicRegistration);
  }

  /** Runs {@code action} on the Runtime context once attached; events before that are in the map already. */
  private void onContext(java.util.function.Consumer<Map<String, HealthChecker>> action) {
    Context ctx = context;
    Map<String, HealthChecker> all = checkers;
    if (ctx != null) {
      ctx.runOnContext(v -> action.accept(all));
    }
  }
}
