package io.gatehouse.pool;

import io.gatehouse.balance.Balancer;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolConfig.LbAlgorithm;
import io.gatehouse.config.SessionPersistence;
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
  /** The balancer's weights, in 1/weightScale of a configured weight (see {@link SlowStartRamp}). */
  private final int[] weights;
  private final int weightScale;
  private final Map<String, Member> usableById;
  private final Balancer<Member> balancer;
  private final Balancer<Member> stickyBalancer;
  private final boolean rampingUp;

  private PoolSnapshot(PoolConfig config, List<Member> members, long nowNanos, boolean hashFirstPicks) {
    this.config = config;
    this.members = List.copyOf(members);
    this.usable = members.stream().filter(Member::usable).toList();
    int[] configured = usable.stream().mapToInt(Member::configuredWeight).toArray();
    SlowStartRamp ramp = SlowStartRamp.of(config, usable, configured, nowNanos);
    this.weights = ramp.weights();
    this.weightScale = ramp.scale();
    this.rampingUp = ramp.ramping();
    Map<String, Member> byId = new HashMap<>();
    usable.forEach(m -> byId.put(m.id(), m));
    this.usableById = Map.copyOf(byId);
    this.balancer = Balancer.forAlgorithm(config.lbAlgorithm(), usable, weights);
    // the hash takes the configured weights: a ramp would remap clients at every rebuild
    this.stickyBalancer = hashFirstPicks && persistence(config) && config.lbAlgorithm() != LbAlgorithm.SOURCE_IP
        ? Balancer.forAlgorithm(LbAlgorithm.SOURCE_IP, usable, configured)
        : balancer;
  }

  static PoolSnapshot build(PoolConfig config, List<Member> members) {
    return build(config, members, false);
  }

  /**
   * @param hashFirstPicks whether first picks under SOURCE_IP persistence use the client-address hash whatever
   *     the algorithm (in a cluster, so that nodes seeing a new client at once agree)
   */
  static PoolSnapshot build(PoolConfig config, List<Member> members, boolean hashFirstPicks) {
    return build(config, members, hashFirstPicks, System.nanoTime());
  }

  /** As of {@code nowNanos} (a System.nanoTime() value): tests step through a ramp without waiting it out. */
  static PoolSnapshot build(PoolConfig config, List<Member> members, boolean hashFirstPicks, long nowNanos) {
    return new PoolSnapshot(config, members, nowNanos, hashFirstPicks);
  }

  private static boolean persistence(PoolConfig config) {
    SessionPersistence p = config.sessionPersistence();
    return p != null && p.type() == SessionPersistence.Type.SOURCE_IP;
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

  /** Effective weight of {@code usable().get(i)} in configured units: below its weight while it ramps up. */
  public double effectiveWeight(int i) {
    return (double) weights[i] / weightScale;
  }

  /** The usable member with this identity, or null. */
  public Member usableMember(String id) {
    return usableById.get(id);
  }

  public Balancer<Member> balancer() {
    return balancer;
  }

  /** The balancer of first picks under SOURCE_IP persistence: the hash in a cluster, else {@link #balancer}. */
  public Balancer<Member> stickyBalancer() {
    return stickyBalancer;
  }

  /** True while a slow-start member has not yet reached its full weight (the Runtime rebuilds every second). */
  public boolean rampingUp() {
    return rampingUp;
  }
}
