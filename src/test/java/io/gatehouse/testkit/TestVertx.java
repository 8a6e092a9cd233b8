package io.gatehouse.testkit;

import io.gatehouse.Gateway;
import io.gatehouse.vertx.VertxTransports;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * A Vert.x instance for tests that run gateway code (servers, probes, watchers) outside a {@link GatewayHarness}:
 * on the transport the gateway would pick, native epoll unless {@code -Dgatehouse.transport.nio=true}, so that
 * the suite's NIO run covers them too. Members ({@link Backends}) stay on Vert.x's default, NIO, in both runs:
 * they are the fixture, not what is tested.
 */
public final class TestVertx {

  private TestVertx() {}

  public static Vertx create() {
    return VertxTransports.builder(
        new VertxOptions().setPreferNativeTransport(!Boolean.getBoolean(Gateway.NIO_PROPERTY))).build();
  }
}
