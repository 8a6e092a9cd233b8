package io.gatehouse.vertx;

import io.vertx.core.net.impl.ShutdownEvent;

/** The pipeline events Vert.x fires into its connections' channels. */
public final class VertxEvents {

  private VertxEvents() {}

  /**
   * The event a server's graceful shutdown fires into each of its connections: an HTTP/1 connection with no
   * response in progress closes on it at once.
   */
  public static boolean isShutdown(Object event) {
    return event instanceof ShutdownEvent;
  }
}
