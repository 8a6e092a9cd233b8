package io.gatehouse.http;

import io.gatehouse.vertx.H2cSniffer;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpServerOptions;
import java.util.function.Supplier;

/**
 * Makes the first request of an h2c listener's connection strict too. Vert.x reads a connection's first bytes
 * with its own sniffer ({@code Http1xOrH2CHandler}) before any of the gateway's code runs: on HTTP/1 it adds its
 * lenient decoder and hands it the bytes at once, so the connection handler comes too late to replace it (that
 * decoder takes {@code Content-Xength} for {@code Content-Length}: a smuggling gap). Put on at accept, this
 * handler moves to just behind the sniffer, where the decoder's first bytes pass through it, and puts the
 * {@link StrictRequestDecoder} in its place before a byte is decoded; then it removes itself. With a PROXY
 * protocol header first, Vert.x adds the sniffer only once the header is read: the handler waits at the end of
 * the pipeline, where the sniffer will be added after it, and moves behind it with the bytes after the header.
 */
@ChannelHandler.Sharable // it moves itself: removed and added again
public final class StrictFirstRequest extends ChannelInboundHandlerAdapter {

  private static final String NAME = "gatehouseStrictFirst";
  private static final String DECODER = "httpDecoder";
  /** Vert.x's handler of {@code Upgrade: h2c} requests. */
  private static final String UPGRADE = "h2c";
  private static final String NO_UPGRADE = "gatehouseNoH2cUpgrade";

  private final Supplier<HttpServerOptions> options;

  private StrictFirstRequest(Supplier<HttpServerOptions> options) {
    this.options = options;
  }

  /**
   * Put on an accepted connection of an h2c listener, before Vert.x reads from it, with {@code deadline}, which
   * bounds the time until Vert.x has a whole first head (or an HTTP/2 connection) and calls the connection handler.
   */
  public static void onAccepted(ChannelPipeline pipeline, Supplier<HttpServerOptions> decoderOptions,
      FirstHeadDeadline deadline) {
    pipeline.addFirst(FirstHeadDeadline.NAME, deadline);
    pipeline.addFirst(NAME, new StrictFirstRequest(decoderOptions));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ChannelPipeline pipeline = ctx.pipeline();
    ChannelHandler decoder = pipeline.get(DECODER);
    String sniffer = decoder == null ? H2cSniffer.nameIn(pipeline) : null;
    if (decoder != null) {
      // HTTP/1: the sniffer has just added the decoder after this handler and passes it these bytes now
      if (!(decoder instanceof StrictRequestDecoder)) {
        pipeline.replace(DECODER, DECODER, new StrictRequestDecoder(options.get()));
      }
      if (pipeline.get(UPGRADE) != null) {
        // Vert.x's h2c upgrade takes a request whatever its decoder made of it (CL+TE, Content-Xength: 101) and
        // drops a chunked body: the first request's Upgrade: h2c is taken off before it sees it, so that it is
        // served over HTTP/1.1 (RFC 9113 allows ignoring it; h2c is prior knowledge only, as the contract says)
        pipeline.addAfter(DECODER, NO_UPGRADE, new NoH2cUpgrade());
      }
      pipeline.remove(this);
    } else if (sniffer != null) {
      pipeline.remove(this);
      pipeline.addAfter(sniffer, NAME, this);
    } else if (pipeline.get(Http2ConnectionHandler.class) != null) {
      pipeline.remove(this); // h2c with prior knowledge: no HTTP/1 decoder on this connection
    } else {
      String end = logicalEnd(pipeline);
      if (end != null && pipeline.context(this) != null) {
        pipeline.remove(this);
        pipeline.addBefore(end, NAME, this);
      }
    }
    ctx.fireChannelRead(msg); // a removed context still passes on to the handler that followed it
  }

  /** Takes {@code Upgrade: h2c} off the first request (Vert.x's upgrade handler acts on the first only). */
  private static final class NoH2cUpgrade extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest head) {
        String to = head.headers().get(HttpHeaderNames.UPGRADE);
        if (to != null && to.regionMatches(true, 0, "h2c", 0, 3)) {
          head.headers().remove(HttpHeaderNames.UPGRADE).remove("HTTP2-Settings");
        }
        ctx.pipeline().remove(this);
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** Where Vert.x adds its HTTP handlers (before this one), as its connection initializer finds it. */
  private static String logicalEnd(ChannelPipeline pipeline) {
    if (pipeline.get(ChunkedWriteHandler.class) != null) {
      return pipeline.context(ChunkedWriteHandler.class).name();
    }
    if (pipeline.get(IdleStateHandler.class) != null) {
      return pipeline.context(IdleStateHandler.class).name();
    }
    return pipeline.get("handler") != null ? "handler" : null;
  }
}
