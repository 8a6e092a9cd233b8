package io.gatehouse.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The timers of one HTTP/1 client connection, which Vert.x does not have: a request head must arrive within
 * {@code client_timeout} (else 408 and close), and an idle keep-alive connection closes after
 * {@code keepalive_timeout}. Sits in front of the HTTP decoder so that it sees the first byte of a new head
 * arrive on an idle connection; the 408 is written from here, below the HTTP encoder, as raw bytes. No timer
 * runs while a request is in progress. A client that half-closes after its request (as {@code printf ... | nc}
 * does) still gets its answer, as HAProxy and nginx give it; the connection closes once nothing is in progress.
 *
 * <p>One lazy timer per connection rather than one per phase: a phase only moves a deadline, and the pending check
 * re-arms itself for what is left of it. A keep-alive request passes through three phases, and scheduling and
 * cancelling a Netty task for each cost an allocation and two priority-queue operations every time. The check never
 * waits longer than the shorter of the two timeouts, so a new deadline is never earlier than the pending check.
 * Event-loop confined.
 */
public final class ConnectionGuard extends ChannelInboundHandlerAdapter {

  public static final String NAME = "gatehouseGuard";

  private enum Phase { AWAITING_HEAD, BUSY, IDLE }

  private final long headNanos;
  private final long idleNanos;
  /** The longest a pending check waits: a later deadline is checked again then. */
  private final long stepNanos;
  private final Runnable onHeadTimeout;
  private final Runnable check = this::fire;
  private ChannelHandlerContext ctx;
  /** The pending check, or null. */
  private ScheduledFuture<?> timer;
  /** When the current phase times out ({@link System#nanoTime()}); only meaningful while {@link #armed}. */
  private long deadline;
  private boolean armed;
  private Phase phase = Phase.AWAITING_HEAD;
  private int inProgress;
  private boolean inputShut;

  /** @param onHeadTimeout called when the 408 is sent (for the access log) */
  public ConnectionGuard(long headNanos, long idleNanos, Runnable onHeadTimeout) {
    this.headNanos = headNanos;
    this.idleNanos = idleNanos;
    this.stepNanos = Math.min(headNanos, idleNanos);
    this.onHeadTimeout = onHeadTimeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    arm(headNanos);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (phase == Phase.IDLE) {
      phase = Phase.AWAITING_HEAD; // the first bytes of the next head
      arm(headNanos);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
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
    stop(); // a pending check would keep the closed connection reachable until it fired
    ctx.fireChannelInactive();
  }

  /** A full request head arrived. */
  public void requestStarted() {
    inProgress++;
    phase = Phase.BUSY;
    armed = false; // a pending check finds nothing to do and lapses
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
        arm(idleNanos);
      }
    }
  }

  private void arm(long nanos) {
    deadline = System.nanoTime() + nanos;
    armed = true;
    if (timer == null) {
      timer = ctx.executor().schedule(check, Math.min(nanos, stepNanos), TimeUnit.NANOSECONDS);
    }
  }

  private void stop() {
    armed = false;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void fire() {
    timer = null;
    if (!armed) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      timer = ctx.executor().schedule(check, Math.min(left, stepNanos), TimeUnit.NANOSECONDS);
      return;
    }
    armed = false;
    if (phase == Phase.AWAITING_HEAD) {
      onHeadTimeout.run();
      ctx.writeAndFlush(ErrorPages.raw(408, "Request Timeout")).addListener(ChannelFutureListener.CLOSE);
    } else if (phase == Phase.IDLE) {
      ctx.close();
    }
  }
}
