package io.gatehouse.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http3.HttpConversionUtil;
import java.util.List;

/**
 * Between Netty's HTTP/3-to-HTTP object codec and Vert.x, on each request stream. An HTTP/3 head says nothing of a
 * body (the stream's end does), so the codec marks every head without a Content-Length as chunked: a GET would
 * reach members with an empty chunked body. A head without Content-Length is therefore held until the first body
 * bytes or the stream's end: ended first, it goes on as a request without a body. One that expects
 * {@code 100-continue} goes on at once (its client waits for the answer before sending). The headers the codec
 * adds (x-http3-*) are removed. Event-loop confined, per stream.
 */
final class Http3RequestHeads extends ChannelInboundHandlerAdapter {

  /** What the codec adds from the HTTP/3 head (stream ID, :scheme, :path): the gateway's business, not a member's. */
  private static final List<CharSequence> CODEC_HEADERS = List.of(
      HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(), HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
      HttpConversionUtil.ExtensionHeaderNames.PATH.text());

  /** A head waiting to learn whether a body follows, else null. */
  private HttpRequest held;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest head) {
      for (CharSequence name : CODEC_HEADERS) {
        head.headers().remove(name);
      }
      if (msg instanceof HttpContent || HttpUtil.isContentLengthSet(head) || HttpUtil.is100ContinueExpected(head)) {
        ctx.fireChannelRead(msg);
      } else {
        held = head;
      }
      return;
    }
    if (held != null && msg instanceof HttpContent content) {
      HttpRequest head = held;
      held = null;
      if (content instanceof LastHttpContent last && !last.content().isReadable()
          && last.trailingHeaders().isEmpty()) {
        head.headers().remove(HttpHeaderNames.TRANSFER_ENCODING); // no body came: none is announced
      }
      ctx.fireChannelRead(head);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    held = null; // the stream went before its head was complete: nothing to hand over
    ctx.fireChannelInactive();
  }
}
