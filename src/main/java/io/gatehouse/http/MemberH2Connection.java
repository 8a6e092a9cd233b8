package io.gatehouse.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/2 connection to a member (h2c by prior knowledge, or TLS where ALPN chose h2), carrying many exchanges
 * at once, each on a stream of its own. A stream is a {@link MemberConnection} behind Netty's
 * {@link Http2StreamFrameToHttpObjectCodec}: the exchange sees the HttpObject flow of an HTTP/1.1 connection, so
 * the relay code is the same; flow control is HTTP/2's (a stream that is not read grants the member no window,
 * a stream without window is not writable). The connection takes streams once the member's SETTINGS came, up to
 * its SETTINGS_MAX_CONCURRENT_STREAMS (and {@link #MAX_STREAMS}); after a GOAWAY it takes none. Event-loop confined.
 */
final class MemberH2Connection extends ChannelInboundHandlerAdapter implements MemberConnection.Home {

  /** Streams per connection when the member sets no lower limit: past it another connection is made. */
  static final int MAX_STREAMS = 256;
  /** Per-stream window the gateway grants: what one unread stream may hold in the gateway. */
  static final int STREAM_WINDOW = 256 * 1024;
  /**
   * The connection's window: room for every stream's window at once. At the stream window (Netty's default for a
   * connection) one client that stops reading filled it and stalled every other stream on the connection; what the
   * gateway holds stays bounded by the streams' windows.
   */
  static final int CONNECTION_WINDOW = STREAM_WINDOW * MAX_STREAMS;

  private static final Http2StreamFrameToHttpObjectCodec STREAM_CODEC =
      new Http2StreamFrameToHttpObjectCodec(false, false);
  /** The member may not open streams (push is off): one that does is closed. */
  private static final ChannelHandler NO_INBOUND_STREAMS = new ChannelInitializer<>() {
    @Override
    protected void initChannel(Channel ch) {
      ch.close();
    }
  };

  /** What the connection tells its endpoint. Calls arrive on the event loop. */
  interface Owner {
    /** The member's SETTINGS came: the connection takes streams; {@code first} is the request that made it. */
    void h2Ready(MemberH2Connection c, MemberClients.Waiter first);

    /** It closed before that. */
    void h2Failed(Throwable cause, MemberClients.Waiter first);

    /** It closed after that. */
    void h2Closed(MemberH2Connection c);

    /** A stream ended: room for another. */
    void streamFreed(MemberH2Connection c);

    /** The member sent GOAWAY: the connection only finishes its streams, and no longer counts as one that takes more. */
    void h2GoingAway(MemberH2Connection c);
  }

  private final Owner owner;
  private Channel channel;
  private Http2FrameCodec codec;
  private MemberClients.Waiter first;
  private ScheduledFuture<?> settingsTimer;
  private Throwable failure;
  private boolean ready;
  private boolean goingAway;
  private int active;
  long idleSinceNanos = System.nanoTime();

  private MemberH2Connection(Owner owner, MemberClients.Waiter first) {
    this.owner = owner;
    this.first = first;
  }

  /**
   * Turns a connected channel (TLS done, if any) into an HTTP/2 connection; {@code first} gets the first stream
   * once the member's SETTINGS come, within {@code settingsTimeoutMillis}, or hears the failure.
   */
  static void install(Channel ch, Owner owner, MemberClients.Waiter first, long settingsTimeoutMillis,
      int maxHeaderSize) {
    MemberH2Connection c = new MemberH2Connection(owner, first);
    Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
        .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).initialWindowSize(STREAM_WINDOW)
            .maxHeaderListSize(maxHeaderSize))
        .gracefulShutdownTimeoutMillis(0) // a close is the gateway's decision: streams left are failed at once
        .build();
    ch.pipeline().addLast(codec, new Http2MultiplexHandler(NO_INBOUND_STREAMS), c);
    c.codec = codec;
    // the codec opened the connection's window to STREAM_WINDOW; the rest goes with the preface
    ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - STREAM_WINDOW));
    c.settingsTimer = ch.eventLoop().schedule(() -> {
      c.failure = new MemberConnection.MemberClosed();
      ch.close();
    }, Math.max(1, settingsTimeoutMillis), TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  Channel channel() {
    return channel;
  }

  /** Whether another stream may be opened now. */
  boolean hasRoom() {
    return ready && !goingAway && channel.isActive()
        && active < Math.min(MAX_STREAMS, codec.connection().local().maxActiveStreams());
  }

  /** Whether the member sent GOAWAY: the streams it has finish, no new one opens. */
  boolean goingAway() {
    return goingAway;
  }

  /** Whether no stream is open on it. */
  boolean idle() {
    return active == 0;
  }

  /** Opens a stream for {@code waiter}; call only when {@link #hasRoom()}. */
  void open(MemberClients.Waiter waiter) {
    active++;
    MemberConnection stream = new MemberConnection(this, true);
    new Http2StreamChannelBootstrap(channel).handler(STREAM_CODEC).open()
        .addListener((Future<Http2StreamChannel> f) -> {
          if (!f.isSuccess()) {
            closed(null);
            waiter.connectFailed(f.cause());
            return;
          }
          f.getNow().pipeline().addLast(stream);
          if (!waiter.connected(stream)) {
            stream.abort(); // not wanted after all: the stream closes unused, and its room with it
          }
        });
  }

  void close() {
    channel.close();
  }

  @Override
  public void release(MemberConnection stream) {
    // the stream's exchange is over: HTTP/2 closes the stream itself (closed() follows)
  }

  @Override
  public void closed(MemberConnection stream) {
    active--;
    if (active == 0) {
      idleSinceNanos = System.nanoTime();
      if (goingAway) {
        channel.close();
        return;
      }
    }
    if (ready && channel.isActive()) {
      owner.streamFreed(this);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Http2SettingsFrame && !ready) {
        ready = true;
        settingsTimer.cancel(false);
        MemberClients.Waiter w = first;
        first = null;
        owner.h2Ready(this, w);
      } else if (msg instanceof Http2SettingsFrame && !goingAway && channel.isActive()) {
        // applied by the codec by now: a raised SETTINGS_MAX_CONCURRENT_STREAMS is room for requests waiting
        owner.streamFreed(this);
      } else if (msg instanceof Http2GoAwayFrame && !goingAway) {
        goingAway = true; // the streams it names as taken finish; no new ones
        if (active == 0) {
          channel.close();
        } else if (ready) {
          owner.h2GoingAway(this);
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    settingsTimer.cancel(false);
    if (ready) {
      owner.h2Closed(this);
    } else {
      MemberClients.Waiter w = first;
      first = null;
      owner.h2Failed(failure != null ? failure : new MemberConnection.MemberClosed(), w);
    }
  }
}
