package io.gatehouse.vertx;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;

/**
 * Where a handler put on an accepted connection before Vert.x set it up ({@link AcceptGate}) goes once Vert.x has:
 * right after Vert.x's TLS handler ({@code ssl}: an SslHandler, or the SNI handler that becomes one), so that it
 * sees the plain text; without TLS right after the PROXY protocol decoder while that waits for its header, else
 * first. With {@code accept_proxy_protocol} on a TLS listener Vert.x adds its TLS handler only once the header has
 * come, so the caller places again then.
 */
public final class ClientPipelines {

  /** The name Vert.x gives its TLS handler in a server connection's pipeline. */
  private static final String TLS = "ssl";

  private ClientPipelines() {}

  /**
   * Moves {@code ctx}'s handler (which must be sharable: it is removed and added again) to its place; true when
   * that is right after TLS. Idempotent.
   */
  public static boolean placeAfterTls(ChannelHandlerContext ctx) {
    ChannelPipeline p = ctx.pipeline();
    ChannelHandlerContext tls = p.context(TLS);
    if (tls != null) {
      moveAfter(ctx, tls.name());
      return true;
    }
    ChannelHandlerContext proxy = p.context(HAProxyMessageDecoder.class);
    if (proxy != null) {
      moveAfter(ctx, proxy.name());
    }
    return false;
  }

  private static void moveAfter(ChannelHandlerContext ctx, String before) {
    ChannelPipeline p = ctx.pipeline();
    String name = ctx.name();
    java.util.List<String> names = p.names();
    if (names.indexOf(name) == names.indexOf(before) + 1) {
      return;
    }
    p.remove(ctx.handler());
    p.addAfter(before, name, ctx.handler());
  }
}
