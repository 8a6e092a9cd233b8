package io.gatehouse.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The timers of one HTTP/2 client connection (h2 by ALPN, or h2c), which Vert.x does not have: the first
 * request must arrive within {@code client_timeout}, and a connection without open streams closes after
 * {@code keepalive_timeout}; both with a GOAWAY. It listens to the streams of Netty's HTTP/2 connection, so a
 * stream that ends by a reset counts as ended too. A stream's own request head cannot be timed: Vert.x hands
 * over a stream only once its HEADERS (and CONTINUATION) frames are complete, and Netty bounds their size.
 * Event-loop confined.
 */
public final class Http2Guard extends Http2ConnectionAdapter {

  private final Channel channel;
  private final long idleNanos;
  private final Runnable close;
  private ScheduledFuture<?> timer;
  private int open;

  private Http2Guard(Channel channel, long idleNanos, Runnable close) {
    this.channel = channel;
    this.idleNanos = idleNanos;
    this.close = close;
  }

  /**
   * Watches an HTTP/2 connection's channel; does nothing on a channel without the HTTP/2 handler.
   *
   * @param close closes the connection politely (Vert.x sends a GOAWAY first)
   */
  public static void install(Channel channel, long firstRequestNanos, long idleNanos, Runnable close) {
    Http2ConnectionHandler handler = channel.pipeline().get(Http2ConnectionHandler.class);
    if (handler == null) {
      return;
    }
    Http2Guard guard = new Http2Guard(channel, idleNanos, close);
    handler.connection().addListener(guard);
    guard.arm(firstRequestNanos);
    channel.closeFuture().addListener(f -> guard.cancel());
  }

  /**
   * Whether the whole connection, not just one stream, can send nothing: the client grants no connection-level
   * window, or its socket takes nothing (the channel is not writable). Its streams all wait on the client then.
   */
  public static boolean connectionStalled(Channel channel) {
    if (!channel.isWritable()) {
      return true;
    }
    Http2ConnectionHandler handler = channel.pipeline().get(Http2ConnectionHandler.class);
    if (handler == null) {
      return false;
    }
    Http2Connection c = handler.connection();
    return c.remote().flowController().windowSize(c.connectionStream()) <= 0;
  }

  /**
   * Whether the client has sent all of stream {@code streamId}: its HEADERS (or last DATA) carried END_STREAM. Vert.x
   * reports the end of a paused request only once it is resumed, but Netty opened the stream half-closed already.
   */
  public static boolean clientSentAll(Channel channel, int streamId) {
    Http2ConnectionHandler handler = channel.pipeline().get(Http2ConnectionHandler.class);
    Http2Stream stream = handler == null ? null : handler.connection().stream(streamId);
    return stream != null
        && (stream.state() == Http2Stream.State.HALF_CLOSED_REMOTE || stream.state() == Http2Stream.State.CLOSED);
  }

  @Override
  public void onStreamActive(Http2Stream stream) {
    open++;
    cancel();
  }

  @Override
  public void onStreamClosed(Http2Stream stream) {
    if (open > 0 && --open == 0 && channel.isActive()) {
      arm(idleNanos);
    }
  }

  private void arm(long nanos) {
    cancel();
    timer = channel.eventLoop().schedule(() -> {
      timer = null;
      close.run();
    }, nanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
