package io.gatehouse.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * One keep-alive HTTP/1.1 connection to a member, handled at the Netty level on the listener's event loop (see
 * {@link MemberClients} for why), or one stream of an HTTP/2 connection ({@link MemberH2Connection}), whose
 * frames a codec turns into the same HTTP/1.1 objects. It carries one exchange at a time: the request goes out as Netty messages, the
 * response comes back to the {@link Exchange} as they are decoded, and once the response and the request have
 * both ended the connection goes back to its pool, or is closed when either side did not keep it alive. After a
 * 101 the codec steps aside and the connection carries raw bytes (a WebSocket tunnel) until either side closes.
 * A close or reset of a reused connection before any byte of the response is reported as {@link StaleConnection}.
 * Event-loop confined.
 */
final class MemberConnection extends ChannelDuplexHandler {

  /** What the exchange on a connection hears from the member. Calls arrive on the event loop. */
  interface Exchange {
    /** A 100 Continue: the request body may follow. */
    void memberContinue();

    /** The final response head (the body follows through {@link #memberContent}, unless it is a 101). */
    void memberHead(HttpResponse head);

    /**
     * Response body bytes, or raw bytes after a 101; {@code last} ends the response. The buffer is released
     * after the call: keep a copy, not the buffer.
     */
    void memberContent(ByteBuf content, boolean last);

    /** The response's trailers (gRPC's grpc-status among them), just before its last content. */
    void memberTrailers(HttpHeaders trailers);

    /** The connection failed or closed before the response ended (after a 101: the tunnel closed). */
    void memberFailed(Throwable cause);

    /** The connection can take more of the request body. */
    void memberWritable();

    /** No response head within the time given to {@link #awaitHead}. */
    void memberTimedOut();
  }

  /** The member closed the connection (or it was reset) before the response ended. */
  static final class MemberClosed extends IOException {
    MemberClosed() {
      super("member closed the connection");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // one shared instance: where it was made says nothing
    }
  }

  /**
   * The member closed or reset a connection that had carried an exchange before, without a byte of response to
   * this one: the race a pooled connection loses when the member closes it as idle (or restarts) just as a
   * request goes out. The member most likely never saw the request; it says nothing about the member's health.
   */
  static final class StaleConnection extends IOException {
    StaleConnection() {
      super("member closed a reused connection before answering");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // one shared instance, as above
    }
  }

  /** The member's bytes are not HTTP (a broken head, chunk size or trailer): its failure, told apart from a reset. */
  static final class MalformedResponse extends RuntimeException {
    MalformedResponse(Throwable decoderFailure) {
      super("malformed response from the member: " + decoderFailure.getMessage(), decoderFailure, false, false);
    }
  }

  /** Where a connection goes back to when its exchange is over, and hears that it closed. */
  interface Home {
    void release(MemberConnection c);

    void closed(MemberConnection c);
  }

  private static final MemberClosed CLOSED = new MemberClosed();
  private static final StaleConnection STALE = new StaleConnection();
  /** The stream ID the HTTP/2 codec adds to each head: the member's business, not the client's. */
  private static final CharSequence STREAM_ID = HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text();

  private final Home home;
  /** An HTTP/2 stream rather than an HTTP/1.1 connection. */
  private final boolean stream;
  private Channel channel;
  private MemberCodec codec;
  private Exchange exchange;
  /** Exchanges begun on this connection, this one included: past one, the connection was reused. */
  private int exchanges;
  /** Whether any byte of the current exchange's response has arrived (seen ahead of the codec, before decoding). */
  private boolean responseBegun;
  private boolean requestEnded;
  private boolean keepAlive;
  private boolean tunnel;
  private boolean skipInformationalEnd;
  long idleSinceNanos;
  /** member_timeout, on the connection rather than per exchange: one {@link LazyDeadline} that outlives them. */
  private LazyDeadline headTimer;

  MemberConnection(Home home, boolean stream) {
    this.home = home;
    this.stream = stream;
  }

  /** Whether this is a stream of an HTTP/2 connection. */
  boolean http2() {
    return stream;
  }

  /** Goes into the pipeline ahead of the codec: notes that the member has sent something for the current exchange. */
  ChannelHandler responseBytes() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        responseBegun = true; // raw bytes, before decoding: a response cut inside its status line has begun too
        ctx.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    codec = ctx.pipeline().get(MemberCodec.class);
    headTimer = new LazyDeadline(ctx.executor(), Long.MAX_VALUE, this::headTimedOut);
  }

  /** Binds this connection to an exchange; the request head follows with {@link #sendHead}. */
  void begin(Exchange ex) {
    exchange = ex;
    exchanges++;
    responseBegun = false;
    requestEnded = false;
    keepAlive = true; // the gateway's requests never ask to close: only the member's response can
  }

  /** Sends the request head; {@code complete}: it has no body, so the request ends here. */
  void sendHead(HttpRequest head, boolean complete) {
    if (complete) {
      requestEnded = true;
      channel.write(head, channel.voidPromise());
      channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
    } else {
      channel.writeAndFlush(head, channel.voidPromise());
    }
  }

  /** Sends a piece of the request body (or raw bytes in a tunnel); takes ownership of {@code chunk}. */
  void sendBody(ByteBuf chunk) {
    channel.writeAndFlush(tunnel ? chunk : new DefaultHttpContent(chunk), channel.voidPromise());
  }

  /** Ends the request body. */
  void endBody() {
    requestEnded = true;
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
    if (exchange == null) {
      done(); // the member answered before the body ended
    }
  }

  boolean writable() {
    return channel.isWritable();
  }

  /** The request has gone out: the exchange hears {@link Exchange#memberTimedOut} unless a head comes in time. */
  void awaitHead(long nanos) {
    headTimer.arm(nanos);
  }

  void stopAwaitingHead() {
    headTimer.disarm();
  }

  private void headTimedOut() {
    Exchange ex = exchange;
    if (ex != null) {
      ex.memberTimedOut();
    }
  }


  /** Stops (or restarts) reading the response: the client is not keeping up. */
  void readResponse(boolean read) {
    channel.config().setAutoRead(read);
  }

  /** Gives up the exchange: the connection closes, for a half-sent request or an unread response cannot be reused. */
  void abort() {
    exchange = null;
    headTimer.disarm();
    channel.close();
  }

  Channel channel() {
    return channel;
  }

  boolean isActive() {
    return channel.isActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      Exchange ex = exchange;
      if (ex == null) {
        channel.close(); // bytes nobody asked for: this connection cannot be trusted with the next request
        return;
      }
      if (msg instanceof HttpResponse head) {
        if (head.decoderResult().isFailure()) {
          fail(new MalformedResponse(head.decoderResult().cause()));
          return;
        }
        if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL && head.status().code() != 101) {
          // HTTP/1.1: the decoder follows it with an empty LastHttpContent; HTTP/2 gives it whole, in one object
          skipInformationalEnd = !(msg instanceof LastHttpContent);
          if (head.status().code() == 100) {
            ex.memberContinue();
          }
          return;
        }
        headTimer.disarm();
        keepAlive &= HttpUtil.isKeepAlive(head);
        if (stream) {
          head.headers().remove(STREAM_ID);
        }
        if (head.status().code() == 101 && codec != null) {
          tunnel = true;
          codec.upgraded(); // from here the encoder passes raw bytes on; the decoder already does
        }
        ex.memberHead(head);
      }
      if (msg instanceof HttpContent content) {
        if (content.decoderResult().isFailure()) {
          fail(new MalformedResponse(content.decoderResult().cause()));
          return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last && (tunnel || skipInformationalEnd)) {
          skipInformationalEnd = false;
          return; // the empty body of a 1xx
        }
        if (last) {
          exchange = null;
          HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
          if (!trailers.isEmpty()) {
            ex.memberTrailers(trailers);
          }
        }
        ex.memberContent(content.content(), last);
        if (last) {
          done();
        }
      } else if (msg instanceof ByteBuf raw && tunnel) {
        ex.memberContent(raw, false);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange ex = exchange;
    if (ex != null && channel.isWritable()) {
      ex.memberWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    headTimer.stop();
    Exchange ex = exchange;
    exchange = null;
    home.closed(this);
    if (ex != null) {
      ex.memberFailed(stale(CLOSED));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause);
  }

  private void fail(Throwable cause) {
    Exchange ex = exchange;
    exchange = null;
    channel.close();
    if (ex != null) {
      ex.memberFailed(stale(cause));
    }
  }

  /** {@link #STALE} for a close or reset (not garbage) of a reused connection before any response byte. */
  private Throwable stale(Throwable cause) {
    return exchanges > 1 && !responseBegun && cause instanceof IOException ? STALE : cause;
  }

  /** The response has ended: back to the pool when the request has ended too and both sides keep it alive. */
  private void done() {
    if (!requestEnded) {
      return; // endBody() comes back here
    }
    if (keepAlive && !tunnel && channel.isActive()) {
      home.release(this);
    } else {
      channel.close();
    }
  }
}
