package io.gatehouse.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.List;

/**
 * Micrometer's JVM and process meters ({@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*},
 * {@code jvm_classes_*}, {@code process_cpu_usage}, {@code system_cpu_*}, {@code process_open_fds},
 * {@code process_max_fds}, {@code process_uptime_seconds}), all read at scrape time except GC pauses, which a
 * listener on the JVM's GC notifications records: {@link #close} removes it when the gateway stops.
 */
public final class JvmMeters implements AutoCloseable {

  private final List<MeterBinder> binders = List.of(new JvmMemoryMetrics(), new JvmGcMetrics(),
      new JvmThreadMetrics(), new ClassLoaderMetrics(), new ProcessorMetrics(), new FileDescriptorMetrics(),
      new UptimeMetrics());

  public JvmMeters(MeterRegistry registry) {
    binders.forEach(b -> b.bindTo(registry));
  }

  /**
   * Prometheus's own names for the descriptor counts (process_open_fds, process_max_fds), as the usual dashboards
   * and alerts query them, rather than Micrometer's process_files_open_files. On the new registry, before any meter:
   * Micrometer warns at every start about a filter added later.
   */
  public static void renameFileDescriptors(MeterRegistry registry) {
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return switch (id.getName()) {
          case "process.files.open" -> id.withName("process.open.fds").withBaseUnit(null);
          case "process.files.max" -> id.withName("process.max.fds").withBaseUnit(null);
          default -> id;
        };
      }
    });
  }

  @Override
  public void close() {
    for (MeterBinder b : binders) {
      if (b instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          // a listener that will not unregister only costs a no-op callback per GC
        }
      }
    }
  }
}
