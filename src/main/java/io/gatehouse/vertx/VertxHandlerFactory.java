package io.gatehouse.vertx;

import io.netty.channel.Channel;
import io.vertx.core.net.impl.VertxHandler;
import java.lang.reflect.Field;

/**
 * Vert.x's handler at the end of a connection's pipeline keeps, for the connection's whole life, the function that
 * made the connection object when the handler was added; for an HTTP server connection that function holds the
 * server's per-connection initializer (about 100 bytes, for every idle keep-alive connection). Both are spent once
 * the connection exists, so the handler's reference is cleared. Should a Vert.x upgrade rename the field, nothing
 * is cleared and only the bytes are lost ({@code VertxInternalsTest} fails then).
 */
public final class VertxHandlerFactory {

  private static final Field FACTORY = factoryField();

  private VertxHandlerFactory() {}

  /** Lets go of the factory of the Vert.x handler in {@code channel}'s pipeline, if there is one. */
  public static void release(Channel channel) {
    VertxHandler<?> handler = channel.pipeline().get(VertxHandler.class);
    if (handler == null || FACTORY == null) {
      return;
    }
    try {
      FACTORY.set(handler, null); // read only in handlerAdded, which has run: the connection exists
    } catch (IllegalAccessException e) {
      // left in place: only memory
    }
  }

  /** Whether {@code channel}'s Vert.x handler still holds its factory (for tests). */
  public static boolean holdsFactory(Channel channel) throws IllegalAccessException {
    VertxHandler<?> handler = channel.pipeline().get(VertxHandler.class);
    return handler != null && FACTORY != null && FACTORY.get(handler) != null;
  }

  private static Field factoryField() {
    try {
      Field f = VertxHandler.class.getDeclaredField("connectionFactory");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
