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
import java.util.Map;
import java.util.UUID;

/**
 * Health shared by the cluster. A member's owner is the rendezvous choice of {@code pool/member} over the live
 * nodes; it alone probes the member and publishes changes to the replicated map {@code gatehouse.health}. Other
 * nodes ask it for a probe on the topic {@code gatehouse.probe}. Events arrive on Hazelcast threads and are only
 * posted to the Runtime context, where the pools' {@link HealthChecker}s apply them.
 */
final class SharedHealth extends EntryAdapter<String, String>
    implements HealthShare {

  static final String MAP = "gatehouse.health";
  static final String TOPIC = "gatehouse.probe";
  private static final char SEPARATOR = '\n';

  private final ReplicatedMap<String, String> map;
  private final ITopic<String> topic;
  private final HazelcastView view;
  private final ClusterWriter writer;
  private final UUID mapRegistration;
  private final UUID topicRegistration;
  private volatile Context context;
  private volatile Map<String, HealthChecker> checkers;

  SharedHealth(HazelcastInstance hz, HazelcastView view, ClusterWriter writer) {
    this.map = hz.getReplicatedMap(MAP);
    this.topic = hz.getTopic(TOPIC);
    this.view = view;
    this.writer = writer;
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
    String v = map.get(pool + SEPARATOR + member);
    return v == null ? null : SharedStatus.decode(v);
  }

  @Override
  public void publish(String pool, String member, SharedStatus status) {
    String k = pool + SEPARATOR + member;
    String v = status.encode();
    writer.submit(() -> map.put(k, v));
  }

  @Override
  public void askProbe(String pool, String member) {
    String m = pool + SEPARATOR + member;
    writer.submit(() -> topic.publish(m));
  }

  private void probeAsked(String poolAndMember) {
    int i = poolAndMember.indexOf(SEPARATOR);
    String pool = poolAndMember.substring(0, i);
    String member = poolAndMember.substring(i + 1);
    onContext(all -> {
      HealthChecker c = all.get(pool);
      if (c != null && owns(pool, member)) {
        c.probeRequested(member);
      }
    });
  }

  @Override
  public void entryAdded(EntryEvent<String, String> event) {
    String key = event.getKey();
    String value = event.getValue();
    int i = key.indexOf(SEPARATOR);
    if (value == null || i < 0) {
      return;
    }
    SharedStatus status = SharedStatus.decode(value);
    onContext(all -> {
      HealthChecker c = all.get(key.substring(0, i));
      if (c != null) {
        c.applyShared(key.substring(i + 1), status);
      }
    });
  }

  @Override
  public void entryUpdated(EntryEvent<String, String> event) {
    entryAdded(event);
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
