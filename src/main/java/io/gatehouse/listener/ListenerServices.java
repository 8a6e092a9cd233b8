package io.gatehouse.listener;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.http.RequestMetrics;
import io.gatehouse.http.StickyCookie;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.PoolRegistry;
import java.util.function.Supplier;

/**
 * What every listener instance gets from the Runtime: the pools to pick members from, the access log, the
 * running configuration (top-level settings such as {@code drain_timeout}, which a reload may change), the
 * signer of HTTP_COOKIE sticky cookies and where finished HTTP requests are counted.
 */
public record ListenerServices(PoolRegistry pools, AccessLog accessLog, Supplier<GatehouseConfig> config,
    StickyCookie cookies, RequestMetrics requests) {}
