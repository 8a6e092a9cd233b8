package io.gatehouse.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Joins a client connection and a member connection: bytes flow both ways as Netty buffers, uncopied, with
 * backpressure (a side whose peer cannot take more is paused until it drains, so nothing buffers without bound).
 * A half-close (FIN) on one side is passed on as a half-close to the other once its bytes are written; the
 * tunnel ends when both directions have ended, or either side closes, resets or stays idle too long.
 * Runs on the client connection's event loop (the member connection is made from it).
 */
public final class TcpTunnel {

  /** How a tunnel ended, for the access log. */
  public enum End { CLOSED, CLIENT_IDLE, MEMBER_IDLE, CLIENT_RESET, MEMBER_RESET, DRAINED }

  private final NetSocketInternal client;
  private final NetSocketInternal member;
  private final Consumer<TcpTunnel> onEnd;
  private long bytesIn;
  private long bytesOut;
  private int closedSides;
  private End end = End.CLOSED;
  private final Direction inbound;
  private final Direction outbound;

  /**
   * @param clientIdle seconds the client side may stay without traffic
   * @param memberIdle seconds the member side may stay without traffic
   */
  public TcpTunnel(NetSocketInternal client, NetSocketInternal member, double clientIdle, double memberIdle,
      Consumer<TcpTunnel> onEnd) {
    this.client = client;
    this.member = member;
    this.onEnd = onEnd;
    this.inbound = new Direction(client, member, true);
    this.outbound = new Direction(member, client, false);
    idleLimit(client, clientIdle);
    idleLimit(member, memberIdle);
    allowHalfClosure(member);
  }

  /**
   * Prepares a freshly accepted client connection: raw buffers, half-close allowed, reading paused until the
   * tunnel starts. Bytes already read meanwhile are kept and sent first.
   */
  public static EarlyBytes hold(NetSocketInternal client) {
    allowHalfClosure(client);
    EarlyBytes early = new EarlyBytes();
    client.messageHandler(early::add);
    client.eventHandler(early::event);
    client.pause();
    return early;
  }

  /** Starts the relay in both directions. {@code early} comes from {@link #hold}. */
  public void start(EarlyBytes early) {
    for (ByteBuf b : early.buffers) {
      inbound.relay(b);
    }
    early.buffers.clear();
    inbound.listen();
    outbound.listen();
    client.closeHandler(v -> sideClosed());
    member.closeHandler(v -> sideClosed());
    client.exceptionHandler(e -> failed(e, End.CLIENT_RESET));
    member.exceptionHandler(e -> failed(e, End.MEMBER_RESET));
    if (early.inputShutdown) {
      inbound.inputEnded();
    }
    client.resume();
  }

  public long bytesIn() {
    return bytesIn;
  }

  public long bytesOut() {
    return bytesOut;
  }

  public End end() {
    return end;
  }

  /** Closes both sides now (drain deadline passed). */
  public void close() {
    end = End.DRAINED;
    client.close();
    member.close();
  }

  private void failed(Throwable e, End reset) {
    if (e instanceof IOException && end == End.CLOSED) {
      end = reset;
    }
    client.close();
    member.close();
  }

  private void sideClosed() {
    if (++closedSides == 1) {
      // one side went away: let what is queued for the other reach it, then close it
      client.close();
      member.close();
    } else if (closedSides == 2) {
      onEnd.accept(this);
    }
  }

  /** One side stayed silent past its limit: the whole tunnel ends. */
  private void idle(NetSocketInternal side) {
    if (end == End.CLOSED) {
      end = side == client ? End.CLIENT_IDLE : End.MEMBER_IDLE;
    }
    client.close();
    member.close();
  }

  private static void allowHalfClosure(NetSocketInternal socket) {
    socket.channelHandlerContext().channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
  }

  private static void idleLimit(NetSocketInternal socket, double seconds) {
    long millis = (long) (seconds * 1000);
    socket.channelHandlerContext().pipeline()
        .addBefore("handler", "idle", new IdleStateHandler(0, 0, millis, TimeUnit.MILLISECONDS));
  }

  /** One way of the tunnel: reads from {@code src}, writes to {@code dst}. */
  private final class Direction {
    private final NetSocketInternal src;
    private final NetSocketInternal dst;
    private final boolean fromClient;
    private Future<Void> lastWrite = Future.succeededFuture();
    private boolean ended;

    Direction(NetSocketInternal src, NetSocketInternal dst, boolean fromClient) {
      this.src = src;
      this.dst = dst;
      this.fromClient = fromClient;
    }

    void listen() {
      src.messageHandler(this::relay);
      src.eventHandler(this::event);
    }

    void relay(Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      int n = buf.readableBytes();
      if (fromClient) {
        bytesIn += n;
      } else {
        bytesOut += n;
      }
      lastWrite = dst.writeMessage(buf);
      if (dst.writeQueueFull()) {
        src.pause();
        dst.drainHandler(v -> src.resume());
      }
    }

    void event(Object evt) {
      if (evt == ChannelInputShutdownEvent.INSTANCE) {
        inputEnded();
      } else if (evt instanceof IdleStateEvent) {
        idle(src);
      }
    }

    /** {@code src} sent FIN: once its bytes are written, half-close {@code dst} (TLS peers get a full close). */
    void inputEnded() {
      if (ended) {
        return;
      }
      ended = true;
      lastWrite.onComplete(ar -> {
        Channel ch = dst.channelHandlerContext().channel();
        boolean tls = ch.pipeline().get(SslHandler.class) != null;
        Direction other = this == inbound ? outbound : inbound;
        if (tls || other.ended || !(ch instanceof DuplexChannel duplex)) {
          dst.close();
          if (other.ended) {
            src.close();
          }
        } else {
          duplex.shutdownOutput();
        }
      });
    }
  }

  /** Bytes and a FIN that arrived from the client before the member connection was ready. */
  public static final class EarlyBytes {
    private final java.util.ArrayList<ByteBuf> buffers = new java.util.ArrayList<>(1);
    private boolean inputShutdown;

    private void add(Object msg) {
      if (msg instanceof ByteBuf b) {
        buffers.add(b);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    private void event(Object evt) {
      if (evt == ChannelInputShutdownEvent.INSTANCE) {
        inputShutdown = true;
      }
    }

    /** Frees what was held when the tunnel never starts. */
    public void release() {
      buffers.forEach(ReferenceCountUtil::release);
      buffers.clear();
    }
  }
}
