package io.gatehouse.http;

import io.gatehouse.vertx.Buffers;
import io.gatehouse.vertx.Channels;
import io.netty.handler.codec.http.HttpResponse;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A WebSocket (or other) upgrade the member accepted with a 101: from here on raw bytes both ways, with
 * back-pressure each way, until either side closes. The member side is the exchange's connection; the client
 * side is the request's connection taken over as a socket, which takes a moment: member bytes that come before
 * are kept until then. A tunnel idle both ways for {@code keepalive_timeout} is closed, both sides: a WebSocket
 * nobody uses must not hold a member connection forever (one side not reading stops the other: that is idle too).
 * Event-loop confined.
 */
final class UpgradeTunnel implements Handler<AsyncResult<NetSocket>> {

  private static final Logger LOG = Logger.getLogger(UpgradeTunnel.class.getName());

  private final ProxyExchange exchange;
  private final long idleNanos;
  private final LazyDeadline idle;
  private NetSocket client;
  private List<Buffer> pending = new ArrayList<>();

  UpgradeTunnel(ProxyExchange exchange, EventExecutor loop, long idleNanos) {
    this.exchange = exchange;
    this.idleNanos = idleNanos;
    this.idle = new LazyDeadline(loop, idleNanos, this::idled);
  }

  /** Passes the 101 on and takes the client's connection over. */
  void open(HttpServerRequest req, HttpServerResponse resp, HttpResponse head) {
    HopByHop.copy(head.headers(), resp.headers(), true);
    req.resume(); // the connection was paused with the request; the tunnel reads it from here on
    idle.arm(idleNanos);
    req.toNetSocket().onComplete(this);
  }

  /** The client's side is ready (or could not be had). */
  @Override
  public void handle(AsyncResult<NetSocket> ar) {
    if (exchange.connection() == null) {
      if (ar.succeeded()) {
        ar.result().close(); // the member closed meanwhile
      }
      return;
    }
    if (ar.failed()) {
      exchange.tunnelEnded("upgrade_failed");
      return;
    }
    NetSocket toClient = ar.result();
    client = toClient;
    for (Buffer b : pending) {
      toClient.write(b);
    }
    pending = null;
    toClient.drainHandler(v -> {
      MemberConnection m = exchange.connection();
      if (m != null) {
        m.readResponse(true);
      }
    });
    toClient.handler(b -> {
      MemberConnection m = exchange.connection();
      if (m == null) {
        return;
      }
      idle.arm(idleNanos);
      m.sendBody(Buffers.byteBuf(b));
      if (!m.writable()) {
        toClient.pause(); // memberWritable() resumes it
      }
    });
    // a client reset is routine for a tunnel: without a handler Vert.x logs it as an unhandled error with a trace
    toClient.exceptionHandler(e -> LOG.log(Level.FINE, "tunnel client side failed: {0}", e.toString()));
    toClient.closeHandler(v -> {
      idle.stop();
      exchange.tunnelEnded("tunnel_closed");
    });
  }

  /** Member bytes for the client (null: none). */
  void fromMember(Buffer chunk) {
    if (chunk == null) {
      return;
    }
    idle.arm(idleNanos);
    if (client == null) {
      pending.add(chunk);
      return;
    }
    client.write(chunk);
    MemberConnection m = exchange.connection();
    if (client.writeQueueFull() && m != null) {
      m.readResponse(false); // the drain handler resumes it
    }
  }

  void memberWritable() {
    if (client != null) {
      client.resume();
    }
  }

  /**
   * Nothing either way for keepalive_timeout: both sides close, the client's at once (a client that stopped reading
   * would hold a graceful close, and the socket, for as long as it pleased).
   */
  private void idled() {
    exchange.tunnelEnded("idle_timeout");
    idle.stop();
    if (client != null) {
      Channels.abort(client);
    }
  }

  /** The member side closed: so does the client's. */
  void close() {
    idle.stop();
    if (client != null) {
      client.close();
    }
  }
}
