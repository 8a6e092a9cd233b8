package io.gatehouse.health;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * A probe's verdict raced against its timeout: whichever comes first is the result, so a probe completes within
 * about its timeout whatever the member does. When the timeout wins, what the probe had opened is released. Used
 * on the probe's context only.
 */
final class ProbeDeadline {

  private final Vertx vertx;
  private final Promise<ProbeResult> result = Promise.promise();
  private final long timer;
  private Runnable release = () -> { };

  ProbeDeadline(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timer = vertx.setTimer(timeout.toMillis(), id -> {
      if (result.tryComplete(ProbeResult.timedOut(timeout))) {
        release.run();
      }
    });
  }

  /** What to release should the timeout win from now on: the request or connection just opened. */
  void onTimeout(Runnable release) {
    this.release = release;
  }

  /** The timeout came first: whatever opens now is to be released at once. */
  boolean expired() {
    return result.future().isComplete();
  }

  /** The probe's own verdict, unless the timeout came first. */
  void complete(ProbeResult verdict) {
    vertx.cancelTimer(timer);
    result.tryComplete(verdict);
  }

  Future<ProbeResult> future() {
    return result.future();
  }
}
