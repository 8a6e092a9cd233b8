package io.gatehouse.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import io.gatehouse.cluster.EntrySeal.Purpose;
import io.gatehouse.pool.MemberOverride;
import io.gatehouse.pool.OverrideShare;
import io.vertx.core.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Member overrides set through the admin API of any node, sealed, in the replicated map {@code gatehouse.overrides}
 * by {@code pool \n member}: every node applies them, and a node that joins later finds them in the map. Events
 * arrive on Hazelcast threads and are posted to the Runtime context.
 */
final class SharedOverrides extends SealedMapListener implements OverrideShare {

  static final String MAP = "gatehouse.overrides";
  private static final char SEPARATOR = '\n';

  private volatile Context context;
  private volatile Sink sink;
  private final OverrideOrder order = new OverrideOrder();

  SharedOverrides(HazelcastInstance hz, ClusterWriter writer, Supplier<EntrySeal> seal, RejectedEntries rejected) {
    super(hz, MAP, writer, seal, rejected);
    listen();
  }

  /** From now on overrides are applied to {@code sink} on {@code runtimeContext}, beginning with those in the map. */
  void attach(Context runtimeContext, Sink sink) {
    this.sink = sink;
    this.context = runtimeContext;
    map.forEach(this::receive);
  }

  @Override
  public MemberOverride publish(String pool, String member, MemberOverride o) {
    String k = pool + SEPARATOR + member;
    if (o == null) {
      order.cleared(k, true);
      writer.submit(() -> map.remove(k));
      return null;
    }
    MemberOverride stamped = order.stamp(k, o);
    put(k, stamped);
    return stamped;
  }

  private void put(String k, MemberOverride o) {
    byte[] plain = encode(o).getBytes(StandardCharsets.UTF_8);
    writer.submit(() -> map.put(k, seal.get().seal(Purpose.OVERRIDE, MAP, k, plain)));
  }

  /** The overrides this node set that an older secret sealed, sealed again under the current one. */
  void reseal(String nodeName) {
    resealOwned(map, MAP, writer, seal.get(), Purpose.OVERRIDE, k -> {
      byte[] plain = seal.get().open(Purpose.OVERRIDE, MAP, k, map.get(k));
      MemberOverride o = plain == null ? null : decode(new String(plain, StandardCharsets.UTF_8));
      return o != null && nodeName.equals(o.node());
    });
  }

  @Override
  public void entryRemoved(EntryEvent<String, Object> event) {
    order.cleared(event.getKey(), false);
    deliver(event.getKey(), null);
  }

  @Override
  protected void receive(String key, Object sealed) {
    if (sealed == null || key.indexOf(SEPARATOR) < 0) {
      return;
    }
    byte[] plain = seal.get().open(Purpose.OVERRIDE, MAP, key, sealed);
    if (plain == null) {
      rejected.reject(MAP, RejectedEntries.OPEN_FAILED, "an entry that does not open with this node's secrets");
      return;
    }
    MemberOverride o = decode(new String(plain, StandardCharsets.UTF_8));
    if (o == null) {
      rejected.reject(MAP, RejectedEntries.DECODE_FAILED, key.replace(SEPARATOR, ' ') + ": not a member override");
      return;
    }
    if (o.at().toEpochMilli() > System.currentTimeMillis() + SharedSticky.SKEW_MILLIS) {
      rejected.reject(MAP, RejectedEntries.SEQ_OUT_OF_RANGE, key.replace(SEPARATOR, ' ')
          + ": set later than this node's clock");
      return;
    }
    OverrideOrder.Seen newer = order.older(key, o);
    if (newer != null) {
      // an older entry put back (a replay), or the loser of two set at once: the node that set the newer one puts
      // it (or its clearing) back, so that the map, which nodes joining later read, holds it again
      rejected.reject(MAP, RejectedEntries.SEQ_OUT_OF_RANGE, key.replace(SEPARATOR, ' ')
          + ": older than the override " + (newer.cleared() ? "cleared" : "in force"));
      if (newer.mine() && newer.cleared()) {
        writer.submit(() -> map.remove(key));
      } else if (newer.mine()) {
        put(key, newer.override());
      }
      return;
    }
    deliver(key, o);
  }

  private void deliver(String key, MemberOverride o) {
    Context ctx = context;
    Sink s = sink;
    int i = key.indexOf(SEPARATOR);
    if (ctx != null && i > 0) {
      ctx.runOnContext(v -> s.apply(key.substring(0, i), key.substring(i + 1), o));
    }
  }

  /** {@code action weight by node at-millis}, one per line (a weight of -1 for none). */
  static String encode(MemberOverride o) {
    return o.action().name() + SEPARATOR + (o.weight() == null ? -1 : o.weight()) + SEPARATOR + o.by() + SEPARATOR
        + o.node() + SEPARATOR + o.at().toEpochMilli();
  }

  /** The override {@link #encode} wrote, or null for anything else. */
  static MemberOverride decode(String text) {
    String[] f = text.split("\n", -1);
    if (f.length != 5) {
      return null;
    }
    try {
      MemberOverride.Action action = MemberOverride.Action.valueOf(f[0]);
      int w = Integer.parseInt(f[1]);
      Integer weight = action == MemberOverride.Action.WEIGHT ? Integer.valueOf(w) : null;
      if (weight != null && (w < 0 || w > 100)) {
        return null;
      }
      return new MemberOverride(action, weight, f[2], f[3], Instant.ofEpochMilli(Long.parseLong(f[4])));
    } catch (IllegalArgumentException bad) {
      return null;
    }
  }
}
