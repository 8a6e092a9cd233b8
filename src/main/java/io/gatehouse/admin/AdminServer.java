package io.gatehouse.admin;

import io.gatehouse.config.GatehouseConfig.AdminConfig;
import io.gatehouse.metrics.GatehouseMeters;
import io.gatehouse.runtime.Runtime;
import io.gatehouse.runtime.RuntimeView;
import io.gatehouse.vertx.AcceptGates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.gatehouse.tls.ServerTls;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Logger;

/**
 * The admin API on {@code admin.host:admin.port}: {@code /health}, {@code /metrics}, {@code /api/v1/status},
 * {@code /api/v1/reload}, {@code /api/v1/route}, the member overrides ({@link MemberControl}),
 * {@code /api/v1/openapi.json} (their description) and the dashboard
 * at {@code /}. Started before the listeners are bound (so that {@code /health} can say 503 STARTING) and stopped
 * last.
 */
public final class AdminServer {

  private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());
  private static final String DASHBOARD = "/io/gatehouse/admin/dashboard.html";
  private static final String OPENAPI = "/io/gatehouse/admin/openapi.json";
  private static final String JSON = "application/json";

  private final Runtime runtime;
  private final GatehouseMeters meters;
  private final Pages pages;
  private HttpServer server;
  private Router router;

  /** The static answers, read once at start (off the event loop). */
  private record Pages(DashboardPage dashboard, String openapi) {}

  private AdminServer(Runtime runtime, GatehouseMeters meters, Pages pages) {
    this.runtime = runtime;
    this.meters = meters;
    this.pages = pages;
  }

  private static final java.time.Duration HANDSHAKE_TIMEOUT = java.time.Duration.ofSeconds(10);
  private static final int IDLE_TIMEOUT_SECONDS = 60;

  /** Binds the admin server; fails with {@code bind error: admin: <reason>} when the port cannot be bound. */
  public static Future<AdminServer> start(Vertx vertx, Runtime runtime, GatehouseMeters meters, AdminConfig config) {
    // an open API beyond loopback is a configuration error unless insecure: true says it is meant
    if (config.token() == null && !isLoopback(config.host())) {
      LOG.warning("admin API on " + config.host() + ":" + config.port()
          + " is reachable from other hosts and has no admin.token: anyone who can reach it may reload");
    }
    // an idle connection is closed after a minute, and there are at most AdminConnections.MAX at once: connecting
    // needs no token, so neither may hold the process's file descriptors
    HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
        .setIdleTimeout(IDLE_TIMEOUT_SECONDS);
    AdminConnections connections = new AdminConnections();
    AcceptGates.register(vertx, config.host(), config.port(), connections);
    return vertx.executeBlocking(() -> {
      if (config.tls() != null) {
        ServerTls.load(config.tls(), HANDSHAKE_TIMEOUT).applyTo(options); // reads the PEM files: off the loop
      }
      return new Pages(DashboardPage.of(readResource(DASHBOARD)), readResource(OPENAPI));
    }).compose(pages -> {
      AdminServer admin = new AdminServer(runtime, meters, pages);
      admin.router = admin.router(vertx, config.host());
      HttpServer server = vertx.createHttpServer(options).requestHandler(admin.router);
      return server.listen()
          .onComplete(ar -> AcceptGates.unregister(vertx, config.host(), config.port(), connections))
          .recover(e -> Future.failedFuture(new BindException(e)))
          .map(s -> {
            admin.server = s;
            LOG.info("admin API on " + config.host() + ":" + s.actualPort());
            return admin;
          });
    });
  }

  /** The bound port (admin.port, or the one chosen for port 0). */
  public int port() {
    return server.actualPort();
  }

  /** Every route that answers, as {@code METHOD /path} (Vert.x's {@code :name} for a path parameter). */
  public List<String> routes() {
    return router.getRoutes().stream()
        .filter(r -> r.getPath() != null && r.methods() != null && !r.methods().isEmpty())
        .flatMap(r -> r.methods().stream().map(m -> m.name() + " " + r.getPath()))
        .sorted().toList();
  }

  public Future<Void> stop() {
    return server.close();
  }

  /**
   * The routes. Probes and Prometheus reach {@code /health} and {@code /metrics} by any name (a service name);
   * everything else needs an allowed {@code Host}, a change no cross-site origin, and {@code /api/*} the token when
   * there is one. Both are read
   * from the running version per request: a reload changes them at once.
   */
  private Router router(Vertx vertx, String host) {
    Router router = Router.router(vertx);
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(this::metrics);
    router.route().handler(new AllowedHosts(host, () -> runtime.view().config().admin().allowedHosts()));
    router.route().handler(new SameOriginWrites());
    router.get("/").handler(rc -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .putHeader("Content-Security-Policy", pages.dashboard().contentSecurityPolicy())
        .putHeader("X-Content-Type-Options", "nosniff").end(pages.dashboard().html()));
    router.route("/api/*").handler(new BearerToken(() -> runtime.view().config().admin().token()));
    router.get("/api/v1/status").handler(rc -> json(rc.response(), 200, StatusDocument.of(runtime.view())));
    router.post("/api/v1/reload").handler(this::reload);
    router.get("/api/v1/route").handler(this::route);
    MemberControl.routes(router, runtime);
    // behind the token like every /api/* route (the contract): the description tells what can be changed
    router.get("/api/v1/openapi.json").handler(rc -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(pages.openapi()));
    return router;
  }

  private void health(RoutingContext rc) {
    RuntimeView.Phase phase = runtime.view().phase();
    String status = phase == RuntimeView.Phase.DRAINING ? "DRAINING" : phase == RuntimeView.Phase.READY ? "UP" : "STARTING";
    json(rc.response(), "UP".equals(status) ? 200 : 503, new JsonObject().put("status", status));
  }

  private void metrics(RoutingContext rc) {
    rc.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(meters.scrape());
  }

  private void reload(RoutingContext rc) {
    runtime.reload().onComplete(ar -> {
      if (ar.failed()) {
        json(rc.response(), 500, errors(List.of(String.valueOf(ar.cause().getMessage()))));
      } else if (ar.result().refused()) {
        json(rc.response(), 400, errors(ar.result().errors()));
      } else {
        json(rc.response(), 200,
            new JsonObject().put("version", ar.result().version()).put("changed", ar.result().changed()));
      }
    });
  }

  private void route(RoutingContext rc) {
    try {
      json(rc.response(), 200, RoutePreview.of(runtime.view(), rc.queryParams()));
    } catch (RoutePreview.BadQuery bad) {
      json(rc.response(), 400, errors(List.of(bad.getMessage())));
    }
  }

  private static JsonObject errors(List<String> errors) {
    return new JsonObject().put("errors", new JsonArray(List.copyOf(errors)));
  }

  private static void json(HttpServerResponse response, int status, JsonObject body) {
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.encode());
  }

  private static String readResource(String name) {
    try (InputStream in = AdminServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress(); // an IP literal (validated): no DNS
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The admin port could not be bound: the start fails with {@code bind error: admin: <reason>}. */
  public static final class BindException extends RuntimeException {
    BindException(Throwable cause) {
      super("bind error: admin: " + cause.getMessage(), cause);
    }
  }
}
