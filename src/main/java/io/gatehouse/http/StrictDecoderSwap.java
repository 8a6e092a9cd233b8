package io.gatehouse.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.http.HttpServerOptions;

/**
 * Puts the {@link StrictRequestDecoder} in place once the request being decoded has ended, for connections whose
 * first request Vert.x decodes before any of the gateway's code runs (HTTP listeners with h2c). Swapping at the
 * end of a request is safe: Netty hands the bytes the old decoder holds (pipelined requests) to its replacement,
 * as Vert.x's own h2c upgrade relies on. Sits right after the decoder and removes itself.
 */
public final class StrictDecoderSwap extends ChannelInboundHandlerAdapter {

  public static final String NAME = "gatehouseStrictSwap";
  private static final String DECODER = "httpDecoder";

  private final HttpServerOptions options;

  private StrictDecoderSwap(HttpServerOptions options) {
    this.options = options;
  }

  /** Installs the swap after the connection's HTTP/1 decoder. */
  public static void install(ChannelPipeline pipeline, HttpServerOptions options) {
    pipeline.addAfter(DECODER, NAME, new StrictDecoderSwap(options));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ctx.fireChannelRead(msg); // the request's end first: what the old decoder still holds belongs to the next one
    if (msg instanceof LastHttpContent) {
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.remove(this);
      if (pipeline.get(DECODER) != null) { // gone after an upgrade to h2c
        pipeline.replace(DECODER, DECODER, new StrictRequestDecoder(options));
      }
    }
  }
}
