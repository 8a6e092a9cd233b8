package io.gatehouse.runtime;

import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberDrain;
import io.gatehouse.pool.Pool;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;

/**
 * Starts and ends member drains, and closes what is still open to a draining member once the pool's
 * {@code deregistration_delay} is over. A member drains while it is administratively down (the file or an
 * override) or after a reload removed it. Runtime context only.
 */
final class MemberDrains {

  private static final Logger LOG = Logger.getLogger(MemberDrains.class.getName());

  private final Vertx vertx;

  MemberDrains(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Members of {@code p} taken down begin to drain; those back up stop draining. */
  void reconcile(Pool p) {
    for (Member m : p.members()) {
      boolean down = !m.adminStateUp();
      if (down && !m.draining()) {
        begin(p, m, m.override() != null ? "drained by " + m.override().by() + " on " + m.override().node()
            : "admin_state_up false");
      } else if (!down && m.draining()) {
        m.endDrain();
        LOG.info("pool " + p.name() + ": member " + m.id() + " back in service");
      }
    }
  }

  /** Members a reload removed from {@code p} drain (those already draining keep the drain they are in). */
  void retire(Pool p, List<Member> removed) {
    for (Member m : removed) {
      if (!m.draining()) {
        begin(p, m, "removed from the configuration");
      }
    }
  }

  private void begin(Pool p, Member m, String why) {
    Duration delay = p.config().deregistrationDelay();
    Instant now = Instant.now();
    MemberDrain d = new MemberDrain(now, delay == null ? null : now.plus(delay));
    m.beginDrain(d);
    LOG.info("pool " + p.name() + ": member " + m.id() + " draining (" + why + "), " + m.active()
        + " connections open" + (delay == null ? ", left to end" : ", closed at " + d.endsAt()));
    if (delay == null) {
      return;
    }
    long ms = delay.toMillis();
    if (ms < 1) {
      m.sever(d);
    } else {
      vertx.setTimer(ms, id -> {
        if (m.drain() == d && m.active() > 0) {
          LOG.info("pool " + p.name() + ": member " + m.id() + ": deregistration_delay over, closing "
              + m.active() + " connections");
        }
        m.sever(d);
      });
    }
  }
}
