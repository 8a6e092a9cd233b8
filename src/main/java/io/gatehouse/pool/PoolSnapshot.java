package io.gatehouse.pool;

import io.gatehouse.balance.Balancer;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolConfig.LbAlgorithm;
import io.gatehouse.config.SessionPersistence;
import io.gatehouse.config.SlowStart;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of a pool at one moment: its members, the usable ones with their effective weights, and
 * the balancer built over them. Rebuilt by the Runtime on every configuration, health or slow-start change and
 * swapped atomically; a pick reads one snapshot once.
 */
public final class PoolSnapshot {

  private final PoolConfig config;
  private final List<Member> members;
  private final List<Member> usable;
  private final int[] weights;
  private final Map<String, Member> usableById;
  private final Balancer balancer;
  private final Balancer stickyBalancer;
  private final boolean rampingUp;

  private PoolSnapshot(PoolConfig config, List<Member> members, long nowNanos, boolean hashFirstPicks) {
    this.config = config;
    this.members = List.copyOf(members);
    List<Member> up = new ArrayList<>();
    List<Integer> w = new ArrayList<>();
    boolean ramping = false;
    for (Member m : members) {
      if (!m.usable()) {
        continue;
      }
      int weight = m.configuredWeight();
      int effective = slowStartWeight(config.slowStart(), weight, m.recoveredForNanos(nowNanos));
      ramping |= effective < weight;
      up.add(m);
      w.add(effective);
    }
    this.usable = Collections.unmodifiableList(up);
    this.weights = w.stream().mapToInt(Integer::intValue).toArray();
    Map<String, Member> byId = new HashMap<>();
    up.forEach(m -> byId.put(m.id(), m));
    this.usableById = Map.copyOf(byId);
    this.balancer = Balancer.forAlgorithm(config.lbAlgorithm(), usable, weights);
    this.stickyBalancer = hashFirstPicks && persistence(config) && config.lbAlgorithm() != LbAlgorithm.SOURCE_IP
        ? Balancer.forAlgorithm(LbAlgorithm.SOURCE_IP, usable, weights)
        : balancer;
    this.rampingUp = ramping;
  }

  static PoolSnapshot build(PoolConfig config, List<Member> members) {
    return build(config, members, false);
  }

  /**
   * @param hashFirstPicks whether first picks under SOURCE_IP persistence use the client-address hash whatever
   *     the algorithm (in a cluster, so that nodes seeing a new client at once agree)
   */
  static PoolSnapshot build(PoolConfig config, List<Member> members, boolean hashFirstPicks) {
    return new PoolSnapshot(config, members, System.nanoTime(), hashFirstPicks);
  }

  private static boolean persistence(PoolConfig config) {
    SessionPersistence p = config.sessionPersistence();
    return p != null && p.type() == SessionPersistence.Type.SOURCE_IP;
  }

  /**
   * Linear ramp from 0 to the full weight over the slow-start duration, at least 1 so that a recovering member
   * is never starved completely.
   */
  static int slowStartWeight(SlowStart slowStart, int weight, long usableForNanos) {
    if (slowStart == null || !slowStart.enable()) {
      return weight;
    }
    long duration = slowStart.duration().toNanos();
    if (usableForNanos >= duration || duration <= 0) {
      return weight;
    }
    long ramped = weight * Math.max(0, usableForNanos) / duration;
    return (int) Math.max(1, ramped);
  }

  public PoolConfig config() {
    return config;
  }

  /** Every member in configuration order, usable or not. */
  public List<Member> members() {
    return members;
  }

  public List<Member> usable() {
    return usable;
  }

  /** Effective weight of {@code usable().get(i)}. */
  public int effectiveWeight(int i) {
    return weights[i];
  }

  /** The usable member with this identity, or null. */
  public Member usableMember(String id) {
    return usableById.get(id);
  }

  public Balancer balancer() {
    return balancer;
  }

  /** The balancer of first picks under SOURCE_IP persistence: the hash in a cluster, else {@link #balancer}. */
  public Balancer stickyBalancer() {
    return stickyBalancer;
  }

  /** True while a slow-start member has not yet reached its full weight (the Runtime rebuilds every second). */
  public boolean rampingUp() {
    return rampingUp;
  }
}
