package io.gatehouse.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Vert.x Micrometer Metrics, reduced to what the {@code gatehouse_*} meters lack: the worker and internal blocking
 * pools ({@code vertx_pool_*}: queued tasks and their wait, tasks running, pool usage). The HTTP, net, datagram,
 * event bus and verticle domains are off: the listeners' hot paths run at the Netty level beneath them, and their
 * meters would carry per-remote-address labels. Pools other than the workers (an HTTP client's connection pool
 * is one per client) are filtered out.
 */
public final class VertxPoolMeters {

  private static final String POOL_PREFIX = MetricsDomain.NAMED_POOLS.getPrefix(); // "vertx.pool."
  private static final String WORKER = "worker";
  /** Vert.x keeps backends in a static map by registry name: one name per gateway, several gateways per JVM. */
  private static final AtomicLong NAMES = new AtomicLong();

  private VertxPoolMeters() {}

  /** {@code options} with the metrics options that keep the pool domain only, on {@code registry}. */
  public static VertxOptions enable(VertxOptions options, PrometheusMeterRegistry registry) {
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().startsWith(POOL_PREFIX)
        && !WORKER.equals(id.getTag("pool_type"))));
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true)
        .setRegistryName("gatehouse-" + NAMES.incrementAndGet())
        .setJvmMetricsEnabled(false) // JvmMeters binds the JVM and process meters, closing what holds resources
        .setNettyMetricsEnabled(false);
    Arrays.stream(MetricsDomain.values()).filter(d -> d != MetricsDomain.NAMED_POOLS)
        .forEach(metrics::addDisabledMetricsCategory);
    return options.setMetricsOptions(metrics);
  }

  /** The factory that puts Vert.x's meters into {@code registry}, for the Vert.x builder. */
  public static VertxMetricsFactory factory(PrometheusMeterRegistry registry) {
    return new MicrometerMetricsFactory(registry);
  }
}
