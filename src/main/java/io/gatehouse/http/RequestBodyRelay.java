package io.gatehouse.http;

import io.gatehouse.vertx.Buffers;
import io.netty.channel.EventLoop;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client's request body on its way to the member: chunks go to the exchange's member connection while that
 * connection keeps up (the client is paused otherwise); past {@code limit} ({@code max_body_size} for bodies
 * without a Content-Length: chunked, or HTTP/2 without one) nothing more is passed on. It times the client with
 * {@code client_timeout}, counted only while the gateway is ready to read: not while the member is not reading,
 * nor while a 100 Continue is awaited. What an end, a cut, a stall or a failure means is the exchange's: it
 * hears each once. The relay may outlive the response (a member that answered before the body ended). Itself
 * the chunk handler and the stall timer's task, so that neither costs an object per chunk or per check.
 * Event-loop confined.
 */
final class RequestBodyRelay implements Handler<Buffer>, Runnable {

  private final ProxyExchange exchange;
  private final HttpServerRequest source;
  private final EventLoop loop;
  private final long limit;
  private final long timeoutNanos;
  private long seen;
  private boolean over;
  private boolean paused;
  private boolean ended;
  private long lastChunkNanos = System.nanoTime();
  private ScheduledFuture<?> stallTimer;

  /** @param limit the most bytes passed on, {@code Long.MAX_VALUE} for no limit */
  RequestBodyRelay(ProxyExchange exchange, HttpServerRequest source, long limit, EventLoop loop,
      long clientTimeoutNanos) {
    this.exchange = exchange;
    this.source = source;
    this.loop = loop;
    this.limit = limit;
    this.timeoutNanos = clientTimeoutNanos;
  }

  /** Starts reading the (paused) request body; the client_timeout clock starts. */
  void start() {
    arm(timeoutNanos);
    source.handler(this);
    source.endHandler(v -> {
      stopTimer();
      ended = true;
      exchange.bodyEnded();
    });
    source.resume();
  }

  /** Whether the whole body has been read (and passed on, unless the exchange gave the member up). */
  boolean ended() {
    return ended;
  }

  @Override
  public void handle(Buffer chunk) {
    if (over) {
      return;
    }
    lastChunkNanos = System.nanoTime();
    seen += chunk.length();
    if (seen > limit) {
      over = true;
      source.pause();
      exchange.bodyTooLarge();
      return;
    }
    MemberConnection to = exchange.connection();
    if (to == null) {
      return; // the member connection failed or was given up: the exchange is answering without it
    }
    to.sendBody(Buffers.byteBuf(chunk));
    if (!to.writable()) {
      paused = true; // memberWritable() resumes it
      source.pause();
    }
  }

  /** The member connection can take more: the client's body flows again. */
  void memberWritable() {
    if (paused) {
      paused = false;
      touch();
      if (!over) {
        source.resume();
      }
    }
  }

  /** Restarts the stall clock: the gateway, not the client, held the body back until now (a 100 Continue). */
  void touch() {
    lastChunkNanos = System.nanoTime();
  }

  void stopTimer() {
    if (stallTimer != null) {
      stallTimer.cancel(false);
      stallTimer = null;
    }
  }

  private void arm(long nanos) {
    stallTimer = loop.schedule(this, Math.max(1, nanos), TimeUnit.NANOSECONDS);
  }

  /** The stall check: client_timeout without a chunk while the gateway was ready to read. */
  @Override
  public void run() {
    stallTimer = null;
    if (paused || exchange.phase() == ExchangePhase.AWAITING_CONTINUE) {
      arm(timeoutNanos);
      return;
    }
    long idle = System.nanoTime() - lastChunkNanos;
    if (idle < timeoutNanos) {
      arm(timeoutNanos - idle);
      return;
    }
    exchange.clientStalled();
  }
}
