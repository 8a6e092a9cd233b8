package io.gatehouse.listener;

import io.gatehouse.pool.MemberLink;
import io.gatehouse.vertx.Channels;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Joins a client connection and a member connection at the Netty level: each side's pipeline gets a relay
 * handler ahead of Vert.x's, which writes what it reads to the other side uncopied and flushes once per read
 * burst. Vert.x keeps owning each connection's life (close, drain on shutdown); the data path bypasses its
 * message queue because that queue does not keep a half-close (FIN) in order with the bytes before it.
 *
 * <p>Backpressure: when one side's outbound buffer passes its high-water mark, the other side stops reading
 * ({@code autoRead} off) until it drains, so nothing buffers without bound. A FIN from one side becomes a
 * half-close of the other once the bytes before it are written (a TLS side gets a full close instead); the
 * tunnel ends when both directions have ended, or either side closes, resets or stays idle past its limit.
 * Everything runs on the client connection's event loop, which the member connection shares.
 */
public final class TcpTunnel implements MemberLink {

  /** How a tunnel ended, for the access log. */
  public enum End { CLOSED, CLIENT_IDLE, MEMBER_IDLE, CLIENT_RESET, MEMBER_RESET, MEMBER_DRAINED }

  /** Bytes a client may send before its member is connected; past this the client is not read until then. */
  private static final int MAX_EARLY_BYTES = 64 * 1024;

  private final NetSocket client;
  private final Runnable renegotiationRefused;
  private final Relay inbound;
  private NetSocket member;
  private Relay outbound;
  private Consumer<TcpTunnel> onEnd;
  private int closedSides;
  private End end = End.CLOSED;

  private TcpTunnel(NetSocket client, Runnable renegotiationRefused) {
    this.client = client;
    this.renegotiationRefused = renegotiationRefused;
    this.inbound = new Relay(Channels.of(client), true);
  }

  /**
   * Takes over a freshly accepted client connection: half-close allowed, an idle limit, and its bytes held
   * (up to {@link #MAX_EARLY_BYTES}, then reading pauses) until {@link #join} connects it to a member.
   *
   * @param clientIdleSeconds how long the client side may stay without traffic
   * @param renegotiationRefused called when the TLS engine refuses the client's attempt to renegotiate (SSL
   *     listeners): the error reaches this tunnel's relay, ahead of Vert.x, which never reports it
   */
  public static TcpTunnel hold(NetSocket client, double clientIdleSeconds, Runnable renegotiationRefused) {
    TcpTunnel t = new TcpTunnel(client, renegotiationRefused);
    t.inbound.install(clientIdleSeconds);
    return t;
  }

  /**
   * Joins the member connection: sends {@code header} (a PROXY protocol header, or null) and the held bytes
   * first, then relays both ways.
   *
   * @param memberIdleSeconds how long the member side may stay without traffic
   * @param onEnd called once, when both connections have closed
   */
  public void join(NetSocket member, double memberIdleSeconds, ByteBuf header, Consumer<TcpTunnel> onEnd) {
    this.member = member;
    this.onEnd = onEnd;
    this.outbound = new Relay(Channels.of(member), false);
    client.closeHandler(v -> sideClosed());
    member.closeHandler(v -> sideClosed());
    outbound.install(memberIdleSeconds);
    if (header != null) {
      outbound.channel.write(header);
    }
    inbound.peer = outbound;
    outbound.peer = inbound;
    inbound.releaseHeld();
  }

  /** Gives up before a member was joined: drops the held bytes and closes the client. */
  public void abort() {
    inbound.dropHeld();
    client.close();
  }

  /** The member's drain delay is over: both sides close (any thread; done on the client's event loop). */
  @Override
  public void sever() {
    inbound.channel.eventLoop().execute(() -> ended(End.MEMBER_DRAINED));
  }

  public long bytesIn() {
    return inbound.bytes;
  }

  public long bytesOut() {
    return outbound == null ? 0 : outbound.bytes;
  }

  public End end() {
    return end;
  }

  private void sideClosed() {
    if (++closedSides == 1) {
      // one side went away: what is already queued for the other still reaches it, then it closes too
      inbound.closeAfterFlush();
      outbound.closeAfterFlush();
    } else if (closedSides == 2) {
      onEnd.accept(this);
    }
  }

  private void ended(End why) {
    if (end == End.CLOSED) {
      end = why;
    }
    boolean idle = why == End.CLIENT_IDLE || why == End.MEMBER_IDLE;
    close(client, idle);
    if (member != null) {
      close(member, idle);
    }
  }

  /**
   * Closes one side; after an idle timeout, resets it instead while bytes still wait to be written to it: nothing
   * moved for the whole timeout, so its peer is not reading, and a close would wait for those bytes (holding the
   * socket and its buffers) for as long as the peer stays silent.
   */
  private static void close(NetSocket side, boolean idle) {
    ChannelOutboundBuffer queued = idle ? Channels.of(side).unsafe().outboundBuffer() : null;
    if (queued != null && queued.totalPendingWriteBytes() > 0) {
      Channels.abort(side);
    } else {
      side.close();
    }
  }

  /** Reads one side ({@code channel}) and writes to its peer. */
  private final class Relay extends ChannelInboundHandlerAdapter {
    final Channel channel;
    final boolean fromClient;
    Relay peer;
    long bytes;
    boolean inputEnded;
    private ArrayDeque<ByteBuf> held = new ArrayDeque<>(2);
    private int heldBytes;

    Relay(Channel channel, boolean fromClient) {
      this.channel = channel;
      this.fromClient = fromClient;
    }

    void install(double idleSeconds) {
      channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      long idleMillis = Math.max(1, (long) (idleSeconds * 1000));
      channel.pipeline().addBefore("handler", "gatehouse-idle", new IdleStateHandler(0, 0, idleMillis,
          TimeUnit.MILLISECONDS));
      channel.pipeline().addBefore("handler", "gatehouse-relay", this);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      bytes += buf.readableBytes();
      if (peer == null) {
        held.add(buf);
        heldBytes += buf.readableBytes();
        if (heldBytes >= MAX_EARLY_BYTES) {
          channel.config().setAutoRead(false);
        }
        return;
      }
      peer.channel.write(buf, peer.channel.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (peer != null) {
        peer.channel.flush();
        if (!peer.channel.isWritable()) {
          channel.config().setAutoRead(false);
        }
      }
      ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      // this side's outbound buffer crossed a water mark: pause or resume reading the side that fills it
      if (peer != null && !peer.inputEnded) {
        peer.channel.config().setAutoRead(channel.isWritable());
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == ChannelInputShutdownEvent.INSTANCE) {
        inputEnded = true;
        if (peer != null) {
          passFin();
        }
      } else if (evt instanceof IdleStateEvent) {
        ended(fromClient ? End.CLIENT_IDLE : End.MEMBER_IDLE);
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (fromClient && TlsFailure.isRenegotiation(cause)) {
        renegotiationRefused.run(); // the engine sent its alert and closes the connection
      }
      ended(cause instanceof IOException ? (fromClient ? End.CLIENT_RESET : End.MEMBER_RESET) : End.CLOSED);
    }

    /** Sends what was read before the member was there, then any FIN that came with it; reading resumes. */
    void releaseHeld() {
      for (ByteBuf b; (b = held.poll()) != null; ) {
        peer.channel.write(b, peer.channel.voidPromise());
      }
      held = null;
      peer.channel.flush();
      if (inputEnded) {
        passFin();
      } else {
        channel.config().setAutoRead(true);
      }
    }

    void dropHeld() {
      for (ByteBuf b; (b = held.poll()) != null; ) {
        b.release();
      }
    }

    /** This side sent FIN: once the bytes before it are written, half-close the peer (close it if TLS or done). */
    private void passFin() {
      Channel dst = peer.channel;
      dst.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
        boolean tls = dst.pipeline().get(SslHandler.class) != null;
        if (tls || peer.inputEnded || !(dst instanceof DuplexChannel duplex)) {
          ended(End.CLOSED);
        } else {
          duplex.shutdownOutput();
        }
      });
    }

    void closeAfterFlush() {
      if (channel.isActive()) {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
