package io.gatehouse.vertx;

import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.impl.NetServerImpl;
import io.vertx.core.net.impl.ServerID;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Vert.x's table of bound TCP servers by host and port. A server listening on an address already in it joins
 * that socket instead of binding one: how the instances of one listener (one per event loop) share a port. A
 * listener replaced on its own port must get a socket of its own, with its own TLS context and options, bound
 * beside the old one (SO_REUSEPORT) before the old one closes: a {@link Handover} arranges that.
 */
public final class SharedServers {

  private SharedServers() {}

  /** Whether Vert.x holds a TCP server for the address. */
  public static boolean bound(Vertx vertx, String host, int port) {
    return table(vertx).containsKey(new ServerID(port, host));
  }

  /**
   * Takes the TCP server bound on {@code host:port} out of Vert.x's table, so that the next listen there binds a
   * new socket; the old server goes on serving until it is closed.
   */
  public static Handover handOver(Vertx vertx, String host, int port) {
    Map<ServerID, Object> servers = table(vertx);
    ServerID id = new ServerID(port, host);
    synchronized (servers) {
      return new Handover(vertx, servers, id, servers.remove(id));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<ServerID, Object> table(Vertx vertx) {
    return (Map<ServerID, Object>) (Map<ServerID, ?>) ((VertxInternal) vertx).sharedTcpServers();
  }

  /** One address changing hands from an old server to a new one bound beside it. */
  public static final class Handover {
    private final Vertx vertx;
    private final Map<ServerID, Object> servers;
    private final ServerID id;
    private final Object old;
    private Object replacement;

    private Handover(Vertx vertx, Map<ServerID, Object> servers, ServerID id, Object old) {
      this.vertx = vertx;
      this.servers = servers;
      this.id = id;
      this.old = old;
    }

    /** The new server has bound its socket: remembered, so that it can be put back under the address later. */
    public void bound() {
      synchronized (servers) {
        replacement = servers.get(id);
      }
    }

    /** The new server failed to bind: the old one goes back under the address. */
    public void restore() {
      putBack(old);
    }

    /**
     * Closes the old server's listening socket now, ahead of the old listener's own stop: connections that reach
     * the port from then on go to the new socket. Vert.x, left alone, stops handing accepted connections to the
     * old server's instances before it closes the socket, and closes what it accepts in between; and an HTTP/1
     * connection accepted then would be closed by the drain before its request is read. Completes when the
     * socket is closed, with the new server back under the address (Vert.x takes the address out of its table
     * when a socket bound there closes, whichever server now holds it).
     */
    public Future<Void> closeOld() {
      return close(old, replacement);
    }

    /**
     * The version was refused after the new server bound: its listening socket closes now, ahead of its own stop,
     * and the old server is back under the address. Completes when the socket is closed.
     */
    public Future<Void> abandon() {
      return close(replacement, old);
    }

    /** Closes {@code closing}'s listening socket; then {@code keeping} holds the address in Vert.x's table. */
    private Future<Void> close(Object closing, Object keeping) {
      Channel channel = closing == null ? null : listeningChannel(closing);
      if (channel == null) {
        putBack(keeping);
        return Future.succeededFuture();
      }
      // completed on the Netty thread that closes the socket, its callbacks run on the caller's context
      PromiseInternal<Void> done = ((VertxInternal) vertx).getOrCreateContext().promise();
      channel.close().addListener(f -> {
        putBack(keeping);
        done.complete();
      });
      return done.future();
    }

    private void putBack(Object server) {
      if (server != null) {
        synchronized (servers) {
          servers.put(id, server);
        }
      }
    }
  }

  /**
   * The listening channel of a Vert.x TCP server that bound its own socket, or null. Vert.x keeps it in a private
   * field; {@code VertxInternalsTest} fails loudly when an upgrade moves it.
   */
  static Channel listeningChannel(Object server) {
    try {
      Field bind = NetServerImpl.class.getDeclaredField("bindFuture");
      bind.setAccessible(true);
      Object future = bind.get(server);
      return future instanceof Future<?> f && f.succeeded() && f.result() instanceof Channel c ? c : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("this Vert.x keeps a server's socket elsewhere: " + e, e);
    }
  }
}
