package io.gatehouse.health;

import io.gatehouse.config.HealthMonitorConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberHealth;
import io.gatehouse.pool.MemberStatus;
import io.gatehouse.pool.Pool;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * The health of one pool: active probes when the pool has a {@code health_monitor} (one schedule per member,
 * each on its own timer) and passive detection on live traffic always. Created, updated and stopped on the
 * Runtime context, where every timer and probe callback runs too.
 *
 * <p>In a cluster ({@link HealthShare}) only a member's owner probes it and publishes its status changes; the
 * other nodes apply them ({@link #applyShared}). A member's schedule runs on every node, but a node that does
 * not own the member skips the probe, so a new owner takes over within one delay, or at once when told of a
 * membership change ({@link #ownersChanged}), starting from the last shared status with fresh streaks.
 */
public final class HealthChecker {

  private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());
  /** Probes drift by up to this share of {@code delay}, so that members probed together spread apart. */
  private static final double JITTER = 0.1;

  private final Vertx vertx;
  private final Pool pool;
  private final ProbeClients clients;
  private final HealthShare share;
  private final OutlierDetector outliers;
  private final Map<String, Schedule> schedules = new HashMap<>();
  private final Map<String, ProbeCounts> counts = new ConcurrentHashMap<>();
  private HealthMonitorConfig monitor;
  private Probe probe;
  private boolean stopped;

  public HealthChecker(Vertx vertx, Pool pool, ProbeClients clients) {
    this(vertx, pool, clients, HealthShare.LOCAL);
  }

  public HealthChecker(Vertx vertx, Pool pool, ProbeClients clients, HealthShare share) {
    this.vertx = vertx;
    this.pool = pool;
    this.clients = clients;
    this.share = share;
    this.outliers = new OutlierDetector(vertx, pool, this);
  }

  /** Starts probing every member at once (they are ONLINE until their probes say otherwise). */
  public void start() {
    update(pool.config());
  }

  /**
   * Follows the pool after {@code pool.apply(config)}: remaining members keep their status, counters and
   * streaks (streaks restart when the probe type changes); new ones are probed at once; removed ones stop.
   * The pool's {@code outlier_detection} applies to the next failure streaks and ejections.
   */
  public void update(PoolConfig config) {
    outliers.configure(config.outlierDetection());
    HealthMonitorConfig previous = monitor;
    monitor = config.healthMonitor();
    probe = monitor == null ? null : clients.probe(monitor, pool);
    boolean typeChanged = previous != null && monitor != null && previous.type() != monitor.type();
    boolean delayChanged = previous != null && monitor != null && !previous.delay().equals(monitor.delay());
    Map<String, Member> current = new HashMap<>();
    pool.members().forEach(m -> current.put(m.id(), m));
    schedules.values().removeIf(s -> {
      boolean gone = monitor == null || !current.containsKey(s.member.id());
      if (gone) {
        s.cancel();
      }
      return gone;
    });
    counts.keySet().retainAll(current.keySet());
    outliers.retain(current.keySet());
    for (Member m : current.values()) {
      m.observe(outliers);
      if (monitor == null) {
        continue;
      }
      counts.computeIfAbsent(m.id(), id -> new ProbeCounts());
      Schedule s = schedules.get(m.id());
      if (s == null) {
        s = new Schedule(m);
        schedules.put(m.id(), s);
        adoptShared(s);
        s.runNow();
      } else {
        s.member = m;
        if (typeChanged) {
          s.ups = 0;
          s.downs = 0;
        }
        if (delayChanged) {
          s.reschedule(0);
        }
      }
    }
  }

  /** Stops every probe and passive ejection timer; members are left as they are. */
  public void stop() {
    stopped = true;
    schedules.values().forEach(Schedule::cancel);
    schedules.clear();
    outliers.stop();
  }

  /** Whether active probes run for this pool. */
  public boolean monitored() {
    return monitor != null;
  }

  /**
   * Probes a member now unless a probe of it is already under way (passive detection asks for this); in a
   * cluster the member's owner is asked when it is another node.
   */
  void probeNow(Member m) {
    if (!share.owns(pool.name(), m.id())) {
      share.askProbe(pool.name(), m.id());
      return;
    }
    Schedule s = schedules.get(m.id());
    if (s != null && !s.inFlight) {
      s.cancel();
      s.runNow();
    }
  }

  /** Another node asked for a probe of a member this node owns. */
  public void probeRequested(String memberId) {
    Member m = pool.member(memberId);
    if (m != null) {
      probeNow(m);
    }
  }

  /**
   * The cluster's nodes changed, and with them the owners: members this node now owns are probed at once,
   * their streaks starting afresh from the status last shared.
   */
  public void ownersChanged() {
    for (Schedule s : schedules.values()) {
      boolean owned = share.owns(pool.name(), s.member.id());
      if (owned && !s.owned && !s.inFlight) {
        s.cancel();
        s.ups = 0;
        s.downs = 0;
        s.runNow();
      }
      s.owned = owned;
    }
  }

  /**
   * A status published by the member's owner: applied when newer than what this node knows (late or repeated
   * events are ignored); the member's streaks restart, in case this node becomes its owner.
   *
   * @return false when the status is older than the one this node holds (a replay, or a very late event)
   */
  public boolean applyShared(String memberId, SharedStatus shared) {
    Schedule s = schedules.get(memberId);
    if (s == null || shared.seq() <= s.seq) {
      return s == null || shared.seq() == s.seq;
    }
    s.seq = shared.seq();
    s.ups = 0;
    s.downs = 0;
    Member m = s.member;
    MemberStatus prev = m.health().status();
    if (m.setHealth(shared.health())) {
      if (shared.health().status() == MemberStatus.OFFLINE) {
        outliers.release(m, null);
      }
      pool.rebuild();
      LOG.info("pool " + pool.name() + " member " + m.id() + ": " + prev + " -> " + shared.health().status()
          + " (" + shared.health().reason() + ", from its prober)");
    }
    return true;
  }

  /** A member new to this checker takes the status the cluster holds for it, if any. */
  private void adoptShared(Schedule s) {
    SharedStatus shared = share.current(pool.name(), s.member.id());
    if (shared != null) {
      s.seq = shared.seq();
      if (s.member.setHealth(shared.health())) {
        pool.rebuild();
        LOG.info("pool " + pool.name() + " member " + s.member.id() + ": " + shared.health().status()
            + " (" + shared.health().reason() + ", as the cluster holds it)");
      }
    }
  }

  /** Whether the member's last probe succeeded; true when nothing probes it. */
  boolean lastProbeUp(Member m) {
    Schedule s = schedules.get(m.id());
    return s == null || s.lastUp;
  }

  /** Probe counts by member identity (a live view, readable from any thread). */
  public Map<String, ProbeCounts> probeCounts() {
    return Collections.unmodifiableMap(counts);
  }

  public String poolName() {
    return pool.name();
  }

  private void record(Schedule s, ProbeResult r, long tookNanos) {
    Member m = s.member;
    ProbeCounts c = counts.get(m.id());
    if (c != null) {
      c.add(r.up(), tookNanos);
    }
    s.lastUp = r.up();
    if (r.tlsFailure() != null) {
      m.tlsFailed(r.tlsFailure()); // counted with live traffic's: an OFFLINE member gets no traffic to count
    }
    MemberStatus status = m.health().status();
    if (r.up()) {
      s.downs = 0;
      s.ups++;
      if (status == MemberStatus.OFFLINE && s.ups >= monitor.maxRetries()) {
        change(m, MemberStatus.ONLINE, r.reason());
      }
    } else {
      s.ups = 0;
      s.downs++;
      if (status == MemberStatus.ONLINE && s.downs >= monitor.maxRetriesDown()) {
        change(m, MemberStatus.OFFLINE, r.reason());
      }
    }
    outliers.probed(m, r.up());
  }

  private void change(Member m, MemberStatus next, String reason) {
    MemberStatus prev = m.health().status();
    // milliseconds: what the cluster carries, so that every node shows the same "since"
    MemberHealth health = new MemberHealth(next, Instant.now().truncatedTo(ChronoUnit.MILLIS), reason);
    m.setHealth(health);
    Schedule s = schedules.get(m.id());
    if (s != null) {
      // the wall clock in milliseconds (never less than one more): bounded, so a receiver can refuse a sequence
      // far ahead of its own clock, which would otherwise pin the verdict for good
      s.seq = Math.max(s.seq + 1, System.currentTimeMillis());
      share.publish(pool.name(), m.id(), new SharedStatus(health, s.seq));
    }
    if (next == MemberStatus.OFFLINE) {
      // the shared verdict now keeps it out; its return is the probes' call alone
      outliers.release(m, null);
    }
    pool.rebuild();
    LOG.info("pool " + pool.name() + " member " + m.id() + ": " + prev + " -> " + next + " (" + reason + ")");
  }

  /** One member's probe schedule. */
  private final class Schedule {
    Member member;
    long timer = -1;
    boolean inFlight;
    boolean cancelled;
    int ups;
    int downs;
    boolean lastUp = true;
    /** Whether this node probes the member (always, standalone). */
    boolean owned = true;
    /** The sequence number of the member's last status change known here. */
    long seq;

    Schedule(Member member) {
      this.member = member;
    }

    void runNow() {
      cancelled = false;
      timer = -1;
      owned = share.owns(pool.name(), member.id());
      if (!owned) {
        reschedule(0); // another node probes it; look again after one delay in case that changes
        return;
      }
      inFlight = true;
      long started = System.nanoTime();
      HealthMonitorConfig m = monitor;
      SocketAddress target = target(member, m);
      (target == null
          ? Future.succeededFuture(ProbeResult.down("address not resolved"))
          : probe.run(target, m.timeout()))
          .onComplete(ar -> {
            inFlight = false;
            if (cancelled || stopped) {
              return;
            }
            long took = System.nanoTime() - started;
            record(this, ar.succeeded() ? ar.result() : ProbeResult.down(String.valueOf(ar.cause().getMessage())),
                took);
            reschedule(took);
          });
    }

    /** The next probe one delay (less jitter) after the last one began. */
    void reschedule(long elapsedNanos) {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (inFlight) {
        return;
      }
      double jitter = 1 - JITTER * ThreadLocalRandom.current().nextDouble();
      long wait = (long) (monitor.delay().toNanos() * jitter) - elapsedNanos;
      timer = vertx.setTimer(Math.max(1, wait / 1_000_000), id -> runNow());
    }

    void cancel() {
      cancelled = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }

  private static SocketAddress target(Member member, HealthMonitorConfig m) {
    SocketAddress a = member.socketAddress();
    if (a == null || m.monitorPort() == 0) {
      return a;
    }
    return SocketAddress.inetSocketAddress(m.monitorPort(), a.hostAddress());
  }
}
