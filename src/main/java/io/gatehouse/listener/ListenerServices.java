package io.gatehouse.listener;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.http.StickyCookie;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.PoolRegistry;
import java.util.function.Supplier;

/**
 * What every listener instance gets from the Runtime: the pools to pick members from, the access log, the
 * running configuration (top-level settings such as {@code drain_timeout}, which a reload may change) and the
 * signer of HTTP_COOKIE sticky cookies.
 */
public record ListenerServices(
    PoolRegistry pools, AccessLog accessLog, Supplier<GatehouseConfig> config, StickyCookie cookies) {}
