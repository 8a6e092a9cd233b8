package io.gatehouse.pool;

import io.gatehouse.balance.Target;
import io.gatehouse.config.MemberConfig;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A pool member for as long as its identity ({@code address:port}) stays in the pool's configuration: its
 * counters and health survive reloads. Configuration and health are swapped by the Runtime context; counters
 * are updated lock-free from any event loop.
 */
public final class Member implements Target {

  /**
   * Slow start applies to recovered members only (back from OFFLINE or from an ejection), not to members present
   * at start or added by a reload.
   */
  private static final long NEVER_RECOVERED = Long.MIN_VALUE;

  private final String id;
  private volatile MemberConfig config;
  private volatile SocketAddress socketAddress;
  private volatile MemberHealth health;
  /** System.nanoTime() when the member last recovered (see {@link #healthy}), or NEVER_RECOVERED: for slow start. */
  private volatile long recoveredAtNanos = NEVER_RECOVERED;

  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder total = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> tlsFailures = new ConcurrentHashMap<>();
  /** Transitions of the health status, by the status moved to (index: MemberStatus ordinal). */
  private final AtomicLongArray healthChanges = new AtomicLongArray(MemberStatus.values().length);
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** Taken out of rotation on this node by passive detection; the shared status is untouched. */
  private volatile boolean ejected;
  private volatile TrafficObserver observer = TrafficObserver.NONE;
  /** Set through the admin API (possibly on another node), or null. */
  private volatile MemberOverride override;
  /** While the member drains, else null. */
  private volatile MemberDrain drain;
  /** The drain's delay is over: what links now is closed at once. */
  private volatile boolean severed;
  /** Tunnels, sessions and keep-alive pools open to the member: what a drain closes when its delay is over. */
  private final Set<MemberLink> links = ConcurrentHashMap.newKeySet();

  public Member(MemberConfig config, SocketAddress socketAddress, MemberHealth health) {
    this.id = config.id();
    this.config = config;
    this.socketAddress = socketAddress;
    this.health = health;
  }

  @Override
  public String id() {
    return id;
  }

  public MemberConfig config() {
    return config;
  }

  /** The resolved address to connect to (host names are resolved at load and on a timer, never per connection). */
  public SocketAddress socketAddress() {
    return socketAddress;
  }

  public MemberHealth health() {
    return health;
  }

  /** How long the member has been usable since it last recovered, at {@code nowNanos}; Long.MAX_VALUE if never. */
  public long recoveredForNanos(long nowNanos) {
    long at = recoveredAtNanos;
    return at == NEVER_RECOVERED ? Long.MAX_VALUE : nowNanos - at;
  }

  /** Weight from the configuration and any override, 0 when administratively down. */
  public int configuredWeight() {
    return adminStateUp() ? weight() : 0;
  }

  /** {@code admin_state_up} with the override in force applied. */
  public boolean adminStateUp() {
    MemberOverride o = override;
    return o == null ? config.adminStateUp() : o.adminStateUp(config.adminStateUp());
  }

  /** {@code weight} with the override in force applied. */
  public int weight() {
    MemberOverride o = override;
    return o == null ? config.weight() : o.weight(config.weight());
  }

  public MemberOverride override() {
    return override;
  }

  /** The drain under way, or null while the member is ACTIVE. */
  public MemberDrain drain() {
    return drain;
  }

  public boolean draining() {
    return drain != null;
  }

  /**
   * Registers something open to the member until {@link #unlink}; when the member's drain delay is already over
   * it is severed at once (a connection that was being set up as the delay ended).
   */
  public void link(MemberLink l) {
    links.add(l);
    if (severed) {
      l.sever();
    }
  }

  public void unlink(MemberLink l) {
    links.remove(l);
  }

  /** Whether the member may take new connections: admin up, weight above 0, resolved, not OFFLINE, not ejected. */
  public boolean usable() {
    return configuredWeight() > 0 && socketAddress != null && healthy();
  }

  /** Whether passive detection took the member out of rotation on this node. */
  public boolean ejected() {
    return ejected;
  }

  @Override
  public int active() {
    return active.get();
  }

  public long total() {
    return total.sum();
  }

  public long failures() {
    return failures.sum();
  }

  /** A connection or request to this member begins; pair with {@link #release()}. */
  public void acquire() {
    active.incrementAndGet();
    total.increment();
  }

  public void release() {
    active.decrementAndGet();
  }

  /** A connect failure, reset or garbage answer seen on live traffic (passive health). */
  public void recordFailure() {
    failures.increment();
    observer.failed(this, consecutiveFailures.incrementAndGet());
  }

  /** A TLS handshake with the member failed, by {@code reason} (see {@code tls.MemberTlsFailure}). */
  public void tlsFailed(String reason) {
    tlsFailures.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** Failed TLS handshakes with this member by reason, live. */
  public Map<String, LongAdder> tlsFailures() {
    return tlsFailures;
  }

  /** A connection or request that went well on live traffic (passive health). */
  public void recordSuccess() {
    // read first: no shared write on the hot path while all is well
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  // --- written only by the Runtime context ---

  void update(MemberConfig config, SocketAddress socketAddress) {
    this.config = config;
    this.socketAddress = socketAddress;
  }

  /** Sets or clears (null) the override; the pool's snapshot is rebuilt by the caller. */
  public void override(MemberOverride o) {
    this.override = o;
  }

  /** The member begins to drain: links let go of what is idle. */
  public void beginDrain(MemberDrain d) {
    drain = d;
    severed = false;
    links.forEach(MemberLink::drainBegan);
  }

  /** The member is back in service (enabled again, or back in the configuration): its drain is over. */
  public void endDrain() {
    drain = null;
    severed = false;
  }

  /** The delay of drain {@code d} is over: what is open to the member closes, unless that drain ended meanwhile. */
  public void sever(MemberDrain d) {
    if (drain != d) {
      return;
    }
    severed = true;
    links.forEach(MemberLink::sever);
  }

  /** Who hears about live-traffic failures (the pool's passive detector). */
  public void observe(TrafficObserver observer) {
    this.observer = observer;
  }

  /** Ejects the member from this node's rotation or brings it back; the failure streak restarts either way. */
  public void setEjected(boolean ejected) {
    boolean wasHealthy = healthy();
    this.ejected = ejected;
    consecutiveFailures.set(0);
    noteRecovery(wasHealthy);
  }

  /** Sets the health verdict; returns true when the status changed. */
  public boolean setHealth(MemberHealth next) {
    boolean wasHealthy = healthy();
    MemberHealth prev = health;
    health = next;
    noteRecovery(wasHealthy);
    if (prev.status() == next.status()) {
      return false;
    }
    healthChanges.incrementAndGet(next.status().ordinal());
    return true;
  }

  /** How many times the health status moved to {@code status} since the member joined its pool. */
  public long healthChanges(MemberStatus status) {
    return healthChanges.get(status.ordinal());
  }

  /**
   * Whether health lets the member take traffic: neither OFFLINE (active probes) nor ejected (passive detection).
   * Turning healthy by either path is one recovery, so both ramp up alike under slow start.
   */
  private boolean healthy() {
    return health.status().usable() && !ejected;
  }

  private void noteRecovery(boolean wasHealthy) {
    if (!wasHealthy && healthy()) {
      recoveredAtNanos = System.nanoTime();
    }
  }

  @Override
  public String toString() {
    return id;
  }
}
