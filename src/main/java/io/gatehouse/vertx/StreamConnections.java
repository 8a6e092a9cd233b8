package io.gatehouse.vertx;

import io.netty.channel.Channel;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.ThreadingModel;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;
import java.net.InetSocketAddress;

/**
 * Vert.x server connections on channels Vert.x did not accept: a channel whose pipeline reads and writes Netty's
 * HTTP objects (an HTTP/3 request stream behind Netty's frame-to-object codec) becomes a Vert.x HTTP/1 connection,
 * so that its requests take the same {@code HttpServerRequest} path as every other listener's.
 */
public final class StreamConnections {

  private StreamConnections() {}

  /**
   * Serves the requests of {@code stream}, which must be registered on {@code context}'s event loop, as a Vert.x
   * connection whose addresses are {@code remote} and {@code local} (the stream's own are not socket addresses).
   */
  public static HttpConnection serve(Context context, Channel stream, HttpServerOptions options,
      InetSocketAddress remote, InetSocketAddress local, Handler<HttpServerRequest> requests,
      Handler<HttpServerRequest> invalid) {
    ContextInternal ctx = (ContextInternal) context;
    stream.attr(ConnectionBase.REMOTE_ADDRESS_OVERRIDE).set(SocketAddress.inetSocketAddress(remote));
    stream.attr(ConnectionBase.LOCAL_ADDRESS_OVERRIDE).set(SocketAddress.inetSocketAddress(local));
    String origin = "https://" + local.getHostString() + ":" + local.getPort();
    VertxHandler<Http1xServerConnection> handler = VertxHandler.create(chctx -> new Http1xServerConnection(
        ThreadingModel.EVENT_LOOP, ctx::duplicate, null, options, chctx, ctx, origin, null));
    stream.pipeline().addLast("handler", handler);
    Http1xServerConnection conn = handler.getConnection();
    conn.handler(requests);
    conn.invalidRequestHandler(invalid);
    return conn;
  }
}
