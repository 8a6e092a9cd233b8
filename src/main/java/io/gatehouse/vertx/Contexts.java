package io.gatehouse.vertx;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

/** What a Vert.x context is underneath: a Netty event loop, and promises whose callbacks run on it. */
public final class Contexts {

  private Contexts() {}

  /** The event loop of an event-loop context: timers and channels of a listener instance live on it. */
  public static EventLoop eventLoop(Context context) {
    return ((ContextInternal) context).nettyEventLoop();
  }

  /**
   * Runs {@code handler} on the calling thread, which must be the context's, with the context current: for code
   * reached from a Netty handler that relies on Vert.x's current context.
   */
  public static <T> void dispatch(Context context, T argument, Handler<T> handler) {
    ((ContextInternal) context).dispatch(argument, handler);
  }

  /** A promise whose callbacks run on {@code context}, whichever thread completes it. */
  public static <T> Promise<T> promise(Context context) {
    return ((ContextInternal) context).promise();
  }
}
