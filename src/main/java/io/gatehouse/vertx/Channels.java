package io.gatehouse.vertx;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.ByteBuffer;

/**
 * The Netty channels behind Vert.x's connections, and the transport's channel types: where the hot paths drop
 * below Vert.x (TCP relays, member connections, UDP, the HTTP pipeline's own handlers).
 */
public final class Channels {

  private Channels() {}

  /** The channel of a server-side HTTP connection (HTTP/2: the connection's, shared by its streams). */
  public static Channel of(HttpConnection connection) {
    return ((ConnectionBase) connection).channel();
  }

  /** The handler context of Vert.x's own handler at the end of a TCP socket's pipeline. */
  public static ChannelHandlerContext handlerContext(NetSocket socket) {
    return ((NetSocketInternal) socket).channelHandlerContext();
  }

  /** The channel of a TCP socket. */
  public static Channel of(NetSocket socket) {
    return handlerContext(socket).channel();
  }

  /** Client socket channels of the transport Vert.x runs on (native epoll or NIO). */
  public static ChannelFactory<? extends Channel> socketChannels(Vertx vertx) {
    return ((VertxInternal) vertx).transport().channelFactory(false);
  }

  /**
   * SO_REUSEPORT on a datagram channel not yet bound: a replacement on the same port binds beside its socket before
   * it closes, so that the port never goes dark.
   */
  public static void reusePort(DatagramChannel ch) {
    if (ch instanceof io.netty.channel.uring.IoUringDatagramChannel) {
      ch.config().setOption(io.netty.channel.uring.IoUringChannelOption.SO_REUSEPORT, true);
    } else if (ch instanceof io.netty.channel.epoll.EpollDatagramChannel) {
      ch.config().setOption(io.netty.channel.epoll.EpollChannelOption.SO_REUSEPORT, true);
    } else {
      ch.config().setOption(io.netty.channel.socket.nio.NioChannelOption.of(
          java.net.StandardSocketOptions.SO_REUSEPORT), true);
    }
  }

  /** A datagram channel of the transport Vert.x runs on. */
  public static DatagramChannel datagramChannel(Vertx vertx, boolean v6) {
    return ((VertxInternal) vertx).transport()
        .datagramChannel(v6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
  }

  /**
   * Sends what the TLS engine holds after a handshake now: BoringSSL's TLS 1.3 session tickets otherwise wait for
   * the first response, and a client that sends its request under Nagle, or waits for its ticket, waits 40 ms and
   * more for them. A flush with nothing queued makes Netty's SSL handler wrap an empty buffer, which writes them.
   * Returns whether the handshake resumed a session, for the listener's counts.
   */
  public static Handshake flushHandshake(Channel channel) {
    Handshake done = Handshake.UNKNOWN;
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    if (tls != null && tls.engine() instanceof ReferenceCountedOpenSslEngine engine) {
      synchronized (engine) {
        long ssl = engine.sslPointer();
        if (ssl != 0) {
          done = SSL.isSessionReused(ssl) ? Handshake.RESUMED : Handshake.FULL;
          // an SSL_write of nothing: BoringSSL writes the handshake messages it still holds (the tickets) first
          if (SSL.writeToSSL(ssl, EMPTY_ADDRESS, 0) <= 0) {
            SSL.clearError(); // nothing written is no error here
          }
        }
      }
    }
    channel.flush(); // an empty wrap sends what the engine's network buffer holds
    return done;
  }

  /** What a completed TLS handshake was: the JDK engine does not say whether it resumed a session. */
  public enum Handshake { FULL, RESUMED, UNKNOWN }

  /** Kept reachable: BoringSSL is handed its address (and reads none of it). */
  private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(1);
  private static final long EMPTY_ADDRESS = PlatformDependent.directBufferAddress(EMPTY);

  /**
   * Closes a connection at once, whatever it still has to send: SO_LINGER 0, so the kernel drops its send queue
   * and answers with a reset instead of holding the socket (and its buffers) until a peer that reads nothing takes
   * the rest; and straight through the channel's own close, not down the pipeline, where Vert.x's handler would
   * hold the close until the pending writes are flushed, which they never are. Vert.x sees the channel go inactive
   * and cleans up as after any close.
   */
  public static void abort(Channel channel) {
    if (!channel.isOpen()) {
      return;
    }
    try {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
    } catch (ChannelException e) {
      // the socket is going already: the close below is all there is to do
    }
    UringCloseGuard.closing(channel);
    channel.unsafe().close(channel.unsafe().voidPromise());
  }

  /** {@link #abort(Channel)} for a server-side HTTP connection. */
  public static void abort(HttpConnection connection) {
    abort(of(connection));
  }

  /** {@link #abort(Channel)} for a TCP socket. */
  public static void abort(NetSocket socket) {
    abort(of(socket));
  }
}
