package io.gatehouse.listener;

import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.PoolRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What every listener instance gets from the Runtime: the pools to pick members from, the access log, and the
 * current drain timeout (top-level {@code drain_timeout}, which a reload may change).
 */
public record ListenerServices(PoolRegistry pools, AccessLog accessLog, Supplier<Duration> drainTimeout) {}
