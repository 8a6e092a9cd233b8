package io.gatehouse.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.ssl.SslHandler;

/**
 * Every byte a client connection carries after TLS (HTTP/1 heads and bodies as on the wire, HTTP/2 frames of every
 * kind), counted as it passes: the handler sits just above TLS, or first. Requests claim what came and went since
 * the previous claim, for their access-log line and the listener's byte meters; what none claims (the gateway's own
 * answers outside a request, what follows the last one) goes to the meters when the connection closes, so every
 * byte is counted once. Lengths only, no copies. Event-loop confined.
 */
public final class WireBytes extends ChannelDuplexHandler {

  private static final String NAME = "gatehouseWireBytes";

  private final ProxyContext.ByteCounter meters;
  /** Read and written since the last claim. */
  private long in;
  private long out;

  public WireBytes(ProxyContext.ByteCounter meters) {
    this.meters = meters;
  }

  /** Counts nothing: not in a pipeline. */
  static WireBytes detached() {
    return new WireBytes((i, o) -> { });
  }

  /** Puts {@code bytes} right above TLS, or at the front of a plain connection's pipeline. */
  public static void install(ChannelPipeline pipeline, WireBytes bytes) {
    var tls = pipeline.context(SslHandler.class);
    if (tls != null) {
      pipeline.addAfter(tls.name(), NAME, bytes);
    } else {
      pipeline.addFirst(NAME, bytes);
    }
  }

  /** The bytes read since the last claim, now the caller's to count. */
  long claimIn() {
    long n = in;
    in = 0;
    return n;
  }

  /** The bytes written since the last claim, now the caller's to count. */
  long claimOut() {
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

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      in += b.readableBytes();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
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
