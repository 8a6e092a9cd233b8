package io.gatehouse.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.gatehouse.vertx.ClientPipelines;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.ssl.SslHandler;

/**
 * Every byte a client connection carries after TLS (HTTP/1 heads and bodies as on the wire, HTTP/2 frames of every
 * kind, the h2c preface and upgrade, the first request Vert.x reads before handing the connection over), counted
 * as it passes: put on the connection as it is accepted, before Vert.x reads a byte, it then takes its place above
 * TLS ({@link ClientPipelines}); until it is there on a TLS listener it counts nothing (those are TLS records). A
 * PROXY protocol header is not counted: it is the L4 proxy's, not the client's, and on TLS listeners it comes
 * before TLS. Requests claim what came and went since the previous claim, for their access-log line and the
 * listener's byte meters; what none claims (the gateway's own answers outside a request, what follows the last one)
 * goes to the meters when the connection closes, so every byte is counted once. Lengths only, no copies.
 * Sharable only so that it can move once within its one pipeline. Event-loop confined.
 */
@ChannelHandler.Sharable
public final class WireBytes extends ChannelDuplexHandler {

  private static final String NAME = "gatehouseWireBytes";

  private final ProxyContext.ByteCounter meters;
  /** Counting: above TLS, or on a plain connection. */
  private boolean counting;
  private final boolean tls;
  /** Read and written since the last claim. */
  private long in;
  private long out;

  /** @param tls the connection will speak TLS: counting starts once this is above it */
  public WireBytes(ProxyContext.ByteCounter meters, boolean tls) {
    this.meters = meters;
    this.tls = tls;
    this.counting = !tls;
  }

  /** Counts nothing: not in a pipeline. */
  static WireBytes detached() {
    return new WireBytes((i, o) -> { });
  }

  private WireBytes(ProxyContext.ByteCounter meters) {
    this(meters, false);
  }

  /** Puts {@code bytes} on a connection just accepted, ahead of everything Vert.x will add. */
  public static void onAccepted(ChannelPipeline pipeline, WireBytes bytes) {
    pipeline.addFirst(NAME, bytes);
  }

  /**
   * The counter put on the connection at accept; without one (a transport without accept gates), one put above
   * TLS now, which misses what Vert.x read before handing the connection over.
   */
  public static WireBytes of(ChannelPipeline pipeline, ProxyContext.ByteCounter meters) {
    WireBytes found = pipeline.get(WireBytes.class);
    if (found != null) {
      return found;
    }
    WireBytes late = new WireBytes(meters);
    var tls = pipeline.context(SslHandler.class);
    if (tls != null) {
      pipeline.addAfter(tls.name(), NAME, late);
    } else {
      pipeline.addFirst(NAME, late);
    }
    return late;
  }

  /** The bytes read since the last claim, now the caller's to count. */
  public long claimIn() {
    long n = in;
    in = 0;
    return n;
  }

  /** The bytes written since the last claim, now the caller's to count. */
  public long claimOut() {
    long n = out;
    out = 0;
    return n;
  }

  /** Gives what no request claimed to the meters (an answer of the gateway's own outside a request). */
  public void flush() {
    if (in != 0 || out != 0) {
      meters.add(claimIn(), claimOut());
    }
  }

  /** Vert.x has set the connection up (or set up more): to the place above TLS, or after the PROXY decoder. */
  private void place(ChannelHandlerContext ctx) {
    if (!tls) {
      ClientPipelines.placeAfterTls(ctx); // after the PROXY decoder while it waits: its header is not counted
    } else if (!counting) {
      counting = ClientPipelines.placeAfterTls(ctx);
    }
  }

  @Override
  public void channelRegistered(ChannelHandlerContext ctx) {
    place(ctx);
    ctx.fireChannelRegistered();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    place(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HAProxyMessage) {
      ctx.fireChannelRead(msg); // Vert.x adds TLS (if any) as it takes the header
      if (tls && !counting) {
        counting = ClientPipelines.placeAfterTls(ctx);
      }
      return;
    }
    if (counting && msg instanceof ByteBuf b) {
      in += b.readableBytes();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!counting) {
      ctx.write(msg, promise);
      return;
    }
    if (msg instanceof ByteBuf b) {
      out += b.readableBytes();
    } else if (msg instanceof ByteBufHolder h) {
      out += h.content().readableBytes();
    } else if (msg instanceof FileRegion f) {
      out += f.count() - f.transferred();
    }
    ctx.write(msg, promise);
  }

  /** After the rest of the pipeline: requests that end with the connection claim their share first. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ctx.fireChannelInactive();
    flush();
  }
}
