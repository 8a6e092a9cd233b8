package io.gatehouse.health;

import io.gatehouse.config.OutlierDetection;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.TrafficObserver;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Passive health, Envoy-style: a streak of failures on live traffic ejects a member from THIS node's rotation
 * for a back-off that grows with repeated ejections. The shared status stays the probes' verdict. With a
 * monitor, the member returns once the back-off is over and a probe succeeds (one is asked for at once);
 * without, when the back-off ends. Streaks are counted lock-free on the event loops; the rest runs on the
 * Runtime context.
 */
final class OutlierDetector implements TrafficObserver {

  private static final Logger LOG = Logger.getLogger(OutlierDetector.class.getName());

  private final Vertx vertx;
  private final Context context;
  private final Pool pool;
  /** Read on the event loops by {@link #failed}, replaced on the Runtime context by {@link #configure}. */
  private volatile OutlierDetection detection = OutlierDetection.DEFAULT;
  private final HealthChecker checker;
  private final Map<String, Ejection> ejections = new HashMap<>();
  private boolean stopped;

  /** One member's ejection history: how many in a row, the back-off timer, whether the back-off is over. */
  private static final class Ejection {
    int count;
    long releasedAtNanos;
    long timer = -1;
    boolean backoffOver = true;
  }

  /** Created on the Runtime context, which it captures. */
  OutlierDetector(Vertx vertx, Pool pool, HealthChecker checker) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.pool = pool;
    this.checker = checker;
  }

  /**
   * Takes the pool's (new) settings: they apply to failure streaks and ejections from now on; current back-offs
   * run their course, except that turning detection off returns every ejected member at once.
   */
  void configure(OutlierDetection next) {
    detection = next;
    if (!next.enabled()) {
      pool.members().forEach(m -> release(m, "outlier detection disabled"));
    }
  }

  @Override
  public void failed(Member member, int streak) {
    OutlierDetection d = detection;
    if (d.enabled() && streak == d.consecutiveFailures()) {
      context.runOnContext(v -> eject(member));
    }
  }

  private void eject(Member m) {
    if (stopped || !detection.enabled() || m.ejected() || pool.member(m.id()) != m) {
      return;
    }
    if (!m.usable()) {
      m.setEjected(false); // out of rotation already (OFFLINE, admin down): only restart the streak
      return;
    }
    Ejection e = ejections.computeIfAbsent(m.id(), id -> new Ejection());
    long now = System.nanoTime();
    if (e.count > 0 && now - e.releasedAtNanos > detection.maxEjectionTime().toNanos()) {
      e.count = 0; // well behaved for long enough: start the back-off from its base again
    }
    e.count++;
    Duration backoff = min(detection.baseEjectionTime().multipliedBy(e.count), detection.maxEjectionTime());
    e.backoffOver = false;
    e.timer = vertx.setTimer(Math.max(1, backoff.toMillis()), id -> backoffOver(m, e));
    m.setEjected(true);
    pool.rebuild();
    LOG.warning("pool " + pool.name() + " member " + m.id() + ": ejected on this node for "
        + ProbeResult.seconds(backoff) + " s after " + detection.consecutiveFailures() + " consecutive failures");
    checker.probeNow(m);
  }

  private void backoffOver(Member m, Ejection e) {
    e.timer = -1;
    e.backoffOver = true;
    if (checker.lastProbeUp(m)) {
      release(m, "back-off over");
    }
  }

  /** A probe result for {@code m}: an ejected member whose back-off is over returns on a good probe. */
  void probed(Member m, boolean up) {
    Ejection e = ejections.get(m.id());
    if (up && e != null && e.backoffOver && m.ejected()) {
      release(m, "probe succeeded");
    }
  }

  /** Ends an ejection; {@code why} null when the status change that caused it is logged already. */
  void release(Member m, String why) {
    Ejection e = ejections.get(m.id());
    if (e == null || !m.ejected()) {
      return;
    }
    if (e.timer >= 0) {
      vertx.cancelTimer(e.timer);
      e.timer = -1;
    }
    e.backoffOver = true;
    e.releasedAtNanos = System.nanoTime();
    m.setEjected(false);
    pool.rebuild();
    if (why != null) {
      LOG.info("pool " + pool.name() + " member " + m.id() + ": back in rotation on this node (" + why + ")");
    }
  }

  /** Forgets members no longer in the pool. */
  void retain(Set<String> ids) {
    ejections.entrySet().removeIf(en -> {
      boolean gone = !ids.contains(en.getKey());
      if (gone && en.getValue().timer >= 0) {
        vertx.cancelTimer(en.getValue().timer);
      }
      return gone;
    });
  }

  void stop() {
    stopped = true;
    ejections.values().forEach(e -> {
      if (e.timer >= 0) {
        vertx.cancelTimer(e.timer);
      }
    });
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
