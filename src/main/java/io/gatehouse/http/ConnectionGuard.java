package io.gatehouse.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.gatehouse.vertx.VertxEvents;

/**
 * The timers of one HTTP/1 client connection, which Vert.x does not have: a request head must arrive within
 * {@code client_timeout} (else 408 and close), and an idle keep-alive connection closes after
 * {@code keepalive_timeout}. Sits in front of the HTTP decoder so that it sees the first byte of a new head
 * arrive on an idle connection; the 408 is written from here, below the HTTP encoder, as raw bytes. No timer
 * runs while a request is in progress. A client that half-closes after its request (as {@code printf ... | nc}
 * does) still gets its answer, as HAProxy and nginx give it; the connection closes once nothing is in progress.
 *
 * <p>One {@link DeadlineQueue.Entry} per connection rather than a task per phase: a keep-alive request passes
 * through three phases, each of which only moves the entry to the end of its phase's queue (or out of both).
 *
 * <p>When the listener drains, Vert.x closes every connection with no response in progress. One awaiting its
 * head may have a request on its way (a client that connected just before the listener stopped accepting): the
 * guard holds the drain back until that request has started, which is then answered before the close, or until
 * the head timeout closes the connection. Event-loop confined.
 */
public final class ConnectionGuard extends ChannelInboundHandlerAdapter implements Runnable {

  public static final String NAME = "gatehouseGuard";

  private enum Phase { AWAITING_HEAD, BUSY, IDLE }

  private final DeadlineQueue heads;
  private final DeadlineQueue idles;
  private final Runnable onHeadTimeout;
  private ChannelHandlerContext ctx;
  private final DeadlineQueue.Entry timer = new DeadlineQueue.Entry(this);
  private Phase phase = Phase.AWAITING_HEAD;
  private int inProgress;
  private boolean inputShut;
  private boolean timedOut;
  /** Vert.x's shutdown event, held while a head is awaited. */
  private Object heldShutdown;

  /**
   * @param heads the queue of client_timeout on the connection's event loop
   * @param idles the queue of keepalive_timeout on the connection's event loop
   * @param onHeadTimeout called when the 408 is sent (for the access log)
   */
  public ConnectionGuard(DeadlineQueue heads, DeadlineQueue idles, Runnable onHeadTimeout) {
    this.heads = heads;
    this.idles = idles;
    this.onHeadTimeout = onHeadTimeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    heads.add(timer);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    timer.remove();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (phase == Phase.IDLE) {
      phase = Phase.AWAITING_HEAD; // the first bytes of the next head
      heads.add(timer);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (phase == Phase.AWAITING_HEAD && VertxEvents.isShutdown(evt)) {
      heldShutdown = evt;
      return;
    }
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShut = true;
      if (phase != Phase.BUSY) {
        ctx.close(); // nothing in progress, and no further request can come
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    timer.remove(); // a closed connection is not kept reachable by its queue
    ctx.fireChannelInactive();
  }

  /** A full request head arrived. */
  public void requestStarted() {
    inProgress++;
    phase = Phase.BUSY;
    timer.remove();
    if (heldShutdown != null) {
      Object shutdown = heldShutdown;
      heldShutdown = null;
      // after the request handler: Vert.x then closes once this response has ended
      ctx.executor().execute(() -> ctx.fireUserEventTriggered(shutdown));
    }
  }

  /** A response ended (or the exchange was given up). */
  public void requestEnded() {
    if (inProgress > 0 && --inProgress == 0 && ctx.channel().isActive()) {
      phase = Phase.IDLE;
      if (inputShut) {
        // later, not now: a pipelined request Vert.x holds back is dispatched once this response has ended
        ctx.executor().execute(() -> {
          if (inProgress == 0) {
            ctx.close();
          }
        });
      } else {
        idles.add(timer);
      }
    }
  }

  /**
   * Whether the head timeout answered 408: the partial head the decoder still holds comes out as a malformed
   * request when the connection closes, which is no request to answer or log again.
   */
  public boolean timedOut() {
    return timedOut;
  }

  /** The timer's expiry (this object rather than one more per connection that would only call it). */
  @Override
  public void run() {
    if (phase == Phase.AWAITING_HEAD) {
      timedOut = true;
      ctx.writeAndFlush(ErrorPages.raw(408, "Request Timeout")).addListener(f -> {
        onHeadTimeout.run(); // logged once written, with what was read and written counted
        ctx.close();
      });
    } else if (phase == Phase.IDLE) {
      ctx.close();
    }
  }
}
