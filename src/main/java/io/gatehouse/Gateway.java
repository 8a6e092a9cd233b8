package io.gatehouse;

import io.gatehouse.admin.AdminServer;
import io.gatehouse.cluster.ClusterBootstrap;
import io.gatehouse.cluster.ClusterNode;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.demo.DemoBackends;
import io.gatehouse.log.AccessLog;
import io.gatehouse.log.Logs;
import io.gatehouse.metrics.GatehouseMeters;
import io.gatehouse.metrics.JvmMeters;
import io.gatehouse.metrics.VertxPoolMeters;
import io.gatehouse.metrics.RequestMeters;
import io.gatehouse.runtime.Runtime;
import io.gatehouse.tls.OpenSsl3Rsa;
import io.gatehouse.tls.ServerTls;
import io.gatehouse.vertx.EventLoops;
import io.gatehouse.vertx.VertxTransports;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * One running gateway, and where its parts are put together: its Vert.x instance, sized to
 * {@code node.event_loops}, the {@link Runtime} that owns its state, the meters and the admin server that read
 * the Runtime's view. {@code Main} starts one; tests start several in one JVM.
 */
public final class Gateway {

  /** {@code -Dgatehouse.transport.nio=true} keeps Vert.x on the JDK's NIO transport instead of a native one. */
  public static final String NIO_PROPERTY = "gatehouse.transport.nio";

  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  private final Vertx vertx;
  private final Runtime runtime;
  private final AccessLog accessLog;
  private final GatehouseMeters meters;
  private final JvmMeters jvm;
  private final AdminServer admin;
  /** Null when standalone. */
  private final ClusterNode cluster;

  private Gateway(Vertx vertx, Runtime runtime, AccessLog accessLog, GatehouseMeters meters, JvmMeters jvm,
      AdminServer admin, ClusterNode cluster) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.accessLog = accessLog;
    this.meters = meters;
    this.jvm = jvm;
    this.admin = admin;
    this.cluster = cluster;
  }

  /**
   * How this process was started beyond its configuration file.
   *
   * @param configFile the file that reloads re-read
   * @param cluster whether to join the cluster ({@code --cluster} or {@code cluster.enabled})
   * @param clusterConfig the Hazelcast configuration file
   * @param demo whether to start the demo members first
   * @param accessLogOut where access log lines go (stdout, or a test's capture)
   */
  public record Options(Path configFile, boolean cluster, Path clusterConfig, boolean demo, PrintStream accessLogOut) {

    /** A standalone gateway without demo members, e.g. in tests. */
    public static Options standalone(Path configFile, PrintStream accessLogOut) {
      return new Options(configFile, false, null, false, accessLogOut);
    }
  }

  /**
   * Starts a gateway: the admin server first (so that {@code /health} answers 503 until every listener is
   * bound), then the listeners. Fails, releasing everything, when the admin port or a listener cannot be bound.
   */
  public static Future<Gateway> start(ConfigResult loaded, Options options) {
    GatehouseConfig config = loaded.config();
    Logs.apply(config.log()); // first: the cluster's start-up lines are in the configured format already
    ServerTls.prepareJdk(config.listeners().stream().map(l -> l.tls()).filter(t -> t != null).toList());
    // one registry for everything /metrics serves, Vert.x's pool meters included: made before Vert.x is
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    JvmMeters.renameFileDescriptors(registry);
    VertxBuilder vertx = VertxTransports.builder(VertxPoolMeters.enable(vertxOptions(config), registry))
        .withMetrics(VertxPoolMeters.factory(registry));
    if (options.cluster()) {
      return ClusterBootstrap.start(config.node().name(), options.clusterConfig(), config.cluster(), vertx)
          .compose(node -> start(loaded, options, node.vertx(), node, registry));
    }
    return start(loaded, options, vertx.build(), null, registry);
  }

  private static Future<Gateway> start(ConfigResult loaded, Options options, Vertx vertx, ClusterNode cluster,
      PrometheusMeterRegistry registry) {
    GatehouseConfig config = loaded.config();
    LOG.info("node " + config.node().name() + ": " + config.node().eventLoops() + " event loops, "
        + transport(vertx));
    OpenSsl3Rsa.select(config.rsaSigner());
    String quic = io.gatehouse.config.QuicSupport.unavailable();
    if (quic != null) {
      // one line, no stack trace: every other listener runs; a configuration with a QUIC listener is refused
      LOG.warning(quic + "; every other listener runs as usual");
    }
    AccessLog accessLog = new AccessLog(options.accessLogOut(), config.accessLog());
    accessLog.setFormat(config.log().accessFormat());
    RequestMeters requests = new RequestMeters(registry);
    Runtime runtime = new Runtime(loaded, options.configFile(), accessLog, cluster, requests);
    GatehouseMeters meters = new GatehouseMeters(registry, runtime::view, requests, cluster);
    meters.buildInfo(BuildInfo.current().version(), BuildInfo.current().commit());
    meters.accessLog(accessLog);
    meters.eventLoops(EventLoops.pendingTasks(vertx));
    JvmMeters jvm = new JvmMeters(registry);
    runtime.onReload(outcome -> meters.reload(outcome.refused() ? GatehouseMeters.REFUSED
        : outcome.changed() ? GatehouseMeters.APPLIED : GatehouseMeters.UNCHANGED));
    Future<Void> demo = options.demo() ? new DemoBackends(vertx).start() : Future.succeededFuture();
    return demo.compose(v -> AdminServer.start(vertx, runtime, meters, config.admin()))
        .compose(admin -> vertx.deployVerticle(runtime)
            .map(id -> new Gateway(vertx, runtime, accessLog, meters, jvm, admin, cluster)))
        .recover(e -> vertx.close().eventually(() -> {
          accessLog.close();
          jvm.close();
          return Future.succeededFuture();
        }).transform(v -> Future.failedFuture(e)));
  }

  static VertxOptions vertxOptions(GatehouseConfig config) {
    return new VertxOptions()
        .setEventLoopPoolSize(config.node().eventLoops())
        .setPreferNativeTransport(!Boolean.getBoolean(NIO_PROPERTY));
  }

  private static String transport(Vertx vertx) {
    String nativeName = VertxTransports.nativeName(vertx);
    if (VertxTransports.IO_URING.equals(nativeName)) {
      return "native io_uring transport";
    }
    if (nativeName != null) {
      Throwable why = VertxTransports.ioUringUnavailableCause();
      return "native epoll transport (" + (Boolean.getBoolean(VertxTransports.EPOLL_PROPERTY)
          ? "forced by " + VertxTransports.EPOLL_PROPERTY : "io_uring unavailable" + (why == null ? "" : ": " + why))
          + ")";
    }
    if (Boolean.getBoolean(NIO_PROPERTY)) {
      return "JDK NIO transport (forced by " + NIO_PROPERTY + ")";
    }
    Throwable cause = VertxTransports.nativeUnavailableCause();
    Throwable uring = VertxTransports.ioUringUnavailableCause();
    return "JDK NIO transport (native epoll unavailable" + (cause == null ? "" : ": " + cause)
        + (uring == null ? "" : "; io_uring unavailable: " + uring) + ")";
  }

  public Vertx vertx() {
    return vertx;
  }

  public Runtime runtime() {
    return runtime;
  }

  /** This node's membership of the cluster, or null when standalone. */
  public ClusterNode cluster() {
    return cluster;
  }

  /** Every meter of this gateway. */
  public GatehouseMeters meters() {
    return meters;
  }

  /** The access log writer (its drops are {@code gatehouse_access_log_dropped_total}). */
  public AccessLog accessLog() {
    return accessLog;
  }

  public AdminServer admin() {
    return admin;
  }

  /** The admin server's bound port. */
  public int adminPort() {
    return admin.port();
  }

  public Duration drainTimeout() {
    return runtime.view().config().drainTimeout();
  }

  /** Drains the listeners (up to drain_timeout), leaves the cluster, then closes everything, the admin server last. */
  public Future<Void> stop() {
    return runtime.drain()
        .eventually(() -> cluster != null ? cluster.close() : Future.succeededFuture())
        .eventually(admin::stop)
        .eventually(vertx::close)
        .onComplete(v -> {
          accessLog.close();
          jvm.close();
        })
        .mapEmpty();
  }
}
