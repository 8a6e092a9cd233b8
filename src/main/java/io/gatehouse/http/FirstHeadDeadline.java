package io.gatehouse.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@code client_timeout} of the first request head on an h2c listener's connection, which Vert.x reads before
 * the connection handler (and with it the {@link ConnectionGuard}) exists. Vert.x's own idle timer could not bound
 * it: on io_uring it restarted with every byte, so a head trickled a line a second was never timed out. Put on at
 * accept; a deadline from then, not an idle timer: 408 and close, like the guard (an HTTP/2 connection still
 * without its settings is just closed). The connection handler removes it: the first head, or HTTP/2, has come.
 */
public final class FirstHeadDeadline extends ChannelInboundHandlerAdapter {

  public static final String NAME = "gatehouseFirstHead";

  private final long timeoutNanos;
  private final Consumer<Channel> onTimeout;
  private ScheduledFuture<?> expiry;

  /** @param onTimeout called once the 408 is written (for the access log and the metrics) */
  public FirstHeadDeadline(long timeoutNanos, Consumer<Channel> onTimeout) {
    this.timeoutNanos = timeoutNanos;
    this.onTimeout = onTimeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    expiry = ctx.executor().schedule(() -> expire(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    expiry.cancel(false);
  }

  private void expire(ChannelHandlerContext ctx) {
    if (ctx.isRemoved() || !ctx.channel().isActive()) {
      return;
    }
    if (ctx.pipeline().get(Http2ConnectionHandler.class) != null) {
      ctx.close(); // HTTP/2 by prior knowledge: no HTTP/1 answer to give
      return;
    }
    ctx.writeAndFlush(ErrorPages.raw(408, "Request Timeout")).addListener(f -> {
      onTimeout.accept(ctx.channel());
      ctx.close();
    });
  }
}
