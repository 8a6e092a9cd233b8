package io.gatehouse.listener;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/** Placeholder: implemented on the http branch. */
public final class HttpListener extends VerticleBase {

  public HttpListener(ListenerState state, ListenerServices services) {}

  @Override
  public Future<?> start() {
    return Future.failedFuture("HTTP listeners are not implemented yet");
  }
}
