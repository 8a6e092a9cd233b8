package io.gatehouse.health;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;

/**
 * One kind of active probe. {@link #run} is called on the Runtime context, must not block it, and completes
 * (never fails) within about {@code timeout}.
 */
interface Probe {

  Future<ProbeResult> run(SocketAddress target, Duration timeout);
}
