package io.gatehouse.http;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;

/** Placeholder: implemented on the router branch. */
public final class L7Router {

  private final String defaultPool;

  private L7Router(String defaultPool) {
    this.defaultPool = defaultPool;
  }

  /** Compiles a listener's policies once per configuration version ({@code config} resolves redirect_listener). */
  public static L7Router compile(ListenerConfig listener, GatehouseConfig config) {
    return new L7Router(listener.defaultPool());
  }

  /** The first policy (by position) whose rules all match, else the default pool. Thread-safe. */
  public RouteDecision route(RequestView request) {
    return new RouteDecision.ToPool(null, defaultPool);
  }
}
