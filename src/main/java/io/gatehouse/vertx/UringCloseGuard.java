package io.gatehouse.vertx;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.RejectedExecutionException;

/**
 * First on every io_uring socket's pipeline: no poll is armed once a close has begun. With one-shot polls, Netty
 * 4.2.18 arms a fresh POLL_ADD when a read is asked for while its close waits on a write (the close had already
 * cancelled the polls it knew of). The pending poll holds the socket open after Netty has closed its descriptor, so
 * the peer saw no FIN until it sent something: a TLS port given plain text, closed by the TLS handler inside its
 * read, kept the client waiting for ever. Reads asked for after close are dropped, and the close itself runs after
 * the current read completion, which may still arm a read asked for before it; that read's poll is then cancelled
 * by the close like any other.
 */
final class UringCloseGuard extends ChannelOutboundHandlerAdapter {
  private boolean closing;

  /** Puts a guard first on {@code channel}'s pipeline (before registration, so ahead of every other handler). */
  static <C extends Channel> C guard(C channel) {
    channel.pipeline().addFirst(new UringCloseGuard());
    return channel;
  }

  /** A close that goes straight through the channel, not down its pipeline, tells the guard here first. */
  static void closing(Channel channel) {
    UringCloseGuard guard = channel.pipeline().get(UringCloseGuard.class);
    if (guard != null) {
      guard.closing = true;
    }
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (!closing) {
      ctx.read();
    }
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    closing = true;
    try {
      ctx.channel().eventLoop().execute(() -> ctx.close(promise));
    } catch (RejectedExecutionException shuttingDown) {
      ctx.close(promise);
    }
  }

  /**
   * A listening socket's handler: {@code gatekeeper} (may be null) asks about each accepted connection first, and
   * the connections it lets through are guarded before the acceptor registers them.
   */
  static ChannelHandler onListening(ChannelHandler gatekeeper) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel listening) {
        if (gatekeeper != null) {
          listening.pipeline().addLast(gatekeeper);
        }
        listening.pipeline().addLast(OnAccepted.INSTANCE);
      }
    };
  }

  /** On a listening socket's pipeline, ahead of the acceptor: guards each accepted connection. */
  @ChannelHandler.Sharable
  private static final class OnAccepted extends ChannelInboundHandlerAdapter {
    static final OnAccepted INSTANCE = new OnAccepted();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      guard((Channel) msg);
      ctx.fireChannelRead(msg);
    }
  }
}
