package io.gatehouse.admin;

import io.gatehouse.vertx.AcceptGate;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@link #MAX} connections to the admin API at once, refused at accept past that (closed, nothing sent).
 * Connecting needs no token: without a bound, anyone who can reach an exposed admin port could hold open
 * connections until the process runs out of file descriptors, and with them every listener. Probes, Prometheus
 * and a few dashboards need a handful.
 */
final class AdminConnections implements AcceptGate {

  static final int MAX = 256;

  private final AtomicInteger open = new AtomicInteger();

  @Override
  public boolean admit(Channel accepted) {
    for (int now = open.get(); now < MAX; now = open.get()) {
      if (open.compareAndSet(now, now + 1)) {
        accepted.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
      }
    }
    return false;
  }

  int open() {
    return open.get();
  }
}
