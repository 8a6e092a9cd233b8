package io.gatehouse.runtime;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.log.AccessLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.logging.Logger;

/**
 * One running gateway: its Vert.x instance, sized to {@code node.event_loops}, and the {@link Runtime} that owns
 * its state. {@code Main} starts one; tests start several in one JVM.
 */
public final class Gateway {

  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  private final Vertx vertx;
  private final Runtime runtime;
  private final AccessLog accessLog;

  private Gateway(Vertx vertx, Runtime runtime, AccessLog accessLog) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.accessLog = accessLog;
  }

  /** Starts a standalone gateway; fails (and releases everything) when a listener cannot be bound. */
  public static Future<Gateway> start(GatehouseConfig config) {
    Vertx vertx = Vertx.builder().with(vertxOptions(config)).build();
    LOG.info("node " + config.node().name() + ": " + config.node().eventLoops() + " event loops, "
        + (vertx.isNativeTransportEnabled() ? "native epoll transport" : "JDK NIO transport (native epoll unavailable)"));
    AccessLog accessLog = new AccessLog(System.out, config.accessLog());
    Runtime runtime = new Runtime(config, accessLog);
    return vertx.deployVerticle(runtime)
        .map(id -> new Gateway(vertx, runtime, accessLog))
        .recover(e -> vertx.close().eventually(() -> {
          accessLog.close();
          return Future.succeededFuture();
        }).transform(v -> Future.failedFuture(e)));
  }

  static VertxOptions vertxOptions(GatehouseConfig config) {
    return new VertxOptions()
        .setEventLoopPoolSize(config.node().eventLoops())
        .setPreferNativeTransport(!Boolean.getBoolean("gatehouse.transport.nio"));
  }

  public Vertx vertx() {
    return vertx;
  }

  public Runtime runtime() {
    return runtime;
  }

  /** Drains the listeners (up to drain_timeout), then closes everything. */
  public Future<Void> stop() {
    return runtime.drain()
        .eventually(vertx::close)
        .onComplete(v -> accessLog.close())
        .mapEmpty();
  }
}
