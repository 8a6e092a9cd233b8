package io.gatehouse.listener;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamResetException;

/**
 * First on an HTTP/3 request stream: the client's RESET_STREAM (a browser cancelling a request, an upload given up)
 * closes the stream, so that the exchange ends and its member request is cut as with a client gone on HTTP/1 or
 * HTTP/2. The reset surfaces only as an exception at the head of the pipeline, which the HTTP/3 codec swallows:
 * without this the member waited for the rest of the body until member_timeout, and was then counted as failed.
 */
@ChannelHandler.Sharable
final class Http3ClientCancel extends ChannelInboundHandlerAdapter {

  static final Http3ClientCancel INSTANCE = new Http3ClientCancel();

  private Http3ClientCancel() {}

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof QuicStreamResetException) {
      ctx.close(); // nothing more comes, and no answer is wanted
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
