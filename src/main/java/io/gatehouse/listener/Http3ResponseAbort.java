package io.gatehouse.listener;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.quic.QuicStreamChannel;

/**
 * On an HTTP/3 request stream, between Vert.x and the HTTP/3 codec: a stream closed before its response ended (its
 * member failed or timed out mid-body, the gateway gave up on it) is reset with H3_INTERNAL_ERROR. Closing a QUIC
 * stream sends a FIN, which an HTTP/3 client takes as the response's end: a body cut short, without a
 * content-length, would be taken as whole. Event-loop confined, per stream.
 */
final class Http3ResponseAbort extends ChannelDuplexHandler {

  private boolean ended;

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent
        && !(msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
      ended = true;
    }
    ctx.write(msg, promise);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (!ended && ctx.channel() instanceof QuicStreamChannel stream && stream.isActive()) {
      stream.shutdown(Http3ErrorCode.H3_INTERNAL_ERROR.code());
    }
    ctx.close(promise);
  }
}
