package io.gatehouse.http;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection's timeout as one lazy check on its event loop: arming only moves a deadline, and the pending check
 * re-arms itself for what is left of it, instead of a Netty task scheduled and cancelled each time (an allocation
 * and two priority-queue operations, several times per keep-alive request). A check waits at most {@code maxWait},
 * so with deadlines never shorter than that a new one is never earlier than the pending check; an earlier one
 * (a shorter timeout since a reload) reschedules it. Event-loop confined.
 */
final class LazyDeadline implements Runnable {

  private final EventExecutor loop;
  private final long maxWaitNanos;
  private final Runnable expired;
  private ScheduledFuture<?> pending;
  /** When the pending check runs ({@link System#nanoTime()}). */
  private long pendingAt;
  private long deadline;
  private boolean armed;

  /** @param expired run on the event loop when an armed deadline passes */
  LazyDeadline(EventExecutor loop, long maxWaitNanos, Runnable expired) {
    this.loop = loop;
    this.maxWaitNanos = maxWaitNanos;
    this.expired = expired;
  }

  /** {@code expired} runs {@code nanos} from now unless {@link #disarm} or another arm comes first. */
  void arm(long nanos) {
    long now = System.nanoTime();
    deadline = now + nanos;
    armed = true;
    if (pending != null && pendingAt - deadline > 0) {
      pending.cancel(false);
      pending = null;
    }
    if (pending == null) {
      schedule(now, nanos);
    }
  }

  /** Nothing to time now: a pending check finds nothing to do and lapses. */
  void disarm() {
    armed = false;
  }

  /** The connection is gone: the pending check goes too, so that it does not keep the connection reachable. */
  void stop() {
    armed = false;
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }

  private void schedule(long now, long nanos) {
    long wait = Math.min(nanos, maxWaitNanos);
    pendingAt = now + wait;
    pending = loop.schedule(this, wait, TimeUnit.NANOSECONDS);
  }

  /** The pending check (this object, rather than one more per connection that would only call it). */
  @Override
  public void run() {
    pending = null;
    if (!armed) {
      return;
    }
    long now = System.nanoTime();
    long left = deadline - now;
    if (left > 0) {
      schedule(now, left);
      return;
    }
    armed = false;
    expired.run();
  }
}
