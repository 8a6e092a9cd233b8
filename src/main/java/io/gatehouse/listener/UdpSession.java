package io.gatehouse.listener;

import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberLink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;

/**
 * One UDP client's session: a member-side socket of its own on an ephemeral port, so that replies are told apart
 * by the port they arrive on. The socket is connected to the member: the kernel passes back only the member's
 * datagrams, and sends without a route look-up each. Confined to the listener's event loop.
 *
 * <p>Empty datagrams pass both ways on the native transport. On NIO only the member's empty replies do: the JDK
 * sends nothing for an empty buffer on a connected channel, so an empty datagram from the client is dropped
 * (counted), the price of keeping the socket connected.
 */
final class UdpSession implements MemberLink {

  /** Datagrams held while the member-side socket connects; beyond that they are dropped. */
  private static final int MAX_QUEUED = 64;

  private final UdpListener listener;
  private final InetSocketAddress client;
  private final ClientAddress from;
  /** Whether this session counts in the listener's per-client table (see ListenerState.countedPerClient). */
  private final boolean countedPerClient;
  private final Member member;
  private final String listenerName;
  private final String poolName;
  private final AccessLog accessLog;
  private final long startNanos = System.nanoTime();
  private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
  private InetSocketAddress memberAddress;
  private DatagramChannel channel;
  private boolean ready;
  private boolean answered;
  private boolean unflushed;
  private boolean closed;
  private long lastActiveNanos = startNanos;
  private long bytesIn;
  private long bytesOut;

  UdpSession(UdpListener listener, InetSocketAddress client, ClientAddress from, boolean countedPerClient,
      Member member, String listenerName, String poolName, AccessLog accessLog) {
    this.listener = listener;
    this.client = client;
    this.from = from;
    this.countedPerClient = countedPerClient;
    this.member = member;
    this.listenerName = listenerName;
    this.poolName = poolName;
    this.accessLog = accessLog;
  }

  ClientAddress from() {
    return from;
  }

  boolean countedPerClient() {
    return countedPerClient;
  }

  InetSocketAddress client() {
    return client;
  }

  long lastActiveNanos() {
    return lastActiveNanos;
  }

  long bytesIn() {
    return bytesIn;
  }

  long bytesOut() {
    return bytesOut;
  }

  /** Tests: the datagrams held while the member-side socket is set up (event loop only). */
  Collection<ByteBuf> queued() {
    return queued;
  }

  void open() {
    member.acquire();
    member.link(this); // a drain of the member ends the session after its deregistration_delay
    // the member's address is resolved already: an IP literal, parsed without a look-up
    InetSocketAddress to = new InetSocketAddress(member.socketAddress().hostAddress(), member.socketAddress().port());
    memberAddress = to;
    try {
      channel = listener.newChannel(to.getAddress().getAddress().length == 16);
    } catch (RuntimeException e) {
      // no descriptor left for the member's socket: the session ends now rather than stay counted with no socket
      LocalFailure.isLocal(e); // logged, once per 10 s
      close("bind_failed");
      return;
    }
    readEmptyDatagrams(channel);
    channel.pipeline().addLast(new FromMember());
    listener.setUpMemberSocket(() -> listener.register(channel).addListener(r -> {
      if (!r.isSuccess() || closed) {
        close("bind_failed");
        return;
      }
      channel.connect(to).addListener(c -> {
        if (!c.isSuccess()) {
          close("bind_failed");
          return;
        }
        ready = true;
        while (!queued.isEmpty()) {
          send(queued.poll());
        }
        flush();
      });
    }));
  }

  /** Queues a client's datagram for the member, sent at the end of the read burst; takes the buffer. */
  void toMember(ByteBuf data) {
    if (closed) {
      data.release();
      return;
    }
    lastActiveNanos = System.nanoTime();
    if (ready) {
      send(data);
    } else if (queued.size() < MAX_QUEUED) {
      queued.add(HeldDatagrams.compact(data, channel.alloc()));
    } else {
      data.release();
      listener.drop();
    }
  }

  /**
   * A connected epoll channel reads with recv(), which returns 0 bytes for an empty datagram as for no datagram:
   * Netty then drops it. With UDP_GRO it reads with recvmsg() instead (as an unconnected channel does), which
   * tells the two apart; GRO itself only lets the kernel pass back runs of a member's datagrams at once, which
   * Netty splits again. NIO reads empty datagrams as they are. On a kernel without UDP_GRO (before 5.0) empty
   * replies stay lost.
   */
  private static void readEmptyDatagrams(DatagramChannel ch) {
    if (ch instanceof EpollDatagramChannel) {
      try {
        ch.config().setOption(EpollChannelOption.UDP_GRO, true);
      } catch (ChannelException unsupported) {
        // recv() it is
      }
    }
  }

  private void send(ByteBuf data) {
    if (!data.isReadable()) {
      // Netty does not send an empty datagram: sent now, past it (on NIO it cannot be: dropped)
      data.release();
      if (!EmptyDatagrams.send(channel, memberAddress)) {
        listener.drop();
      }
      return;
    }
    if (!channel.isWritable()) {
      data.release();
      listener.drop();
      return;
    }
    bytesIn += data.readableBytes();
    if (HeldDatagrams.backlogged(channel)) {
      data = HeldDatagrams.compact(data, channel.alloc());
    }
    channel.write(data, channel.voidPromise());
    if (!unflushed) {
      unflushed = true;
      listener.unflushed(this);
    }
  }

  void flush() {
    unflushed = false;
    if (!closed) {
      channel.flush();
    }
  }

  void close(String why) {
    if (closed) {
      return;
    }
    closed = true;
    queued.forEach(ByteBuf::release);
    queued.clear();
    if (channel != null) {
      if (ready) {
        // written this read burst and counted in bytesIn: sent, not dropped with the socket (an evicted session)
        channel.flush();
      }
      channel.close();
    }
    member.unlink(this);
    member.release();
    listener.ended(this);
    if (accessLog.enabled()) {
      long ms = (System.nanoTime() - startNanos) / 1_000_000;
      accessLog.log(new L4AccessEntry(Instant.now(), listenerName, "UDP", from.toString(), member.id(), bytesIn,
          bytesOut, ms, why, poolName, null, null));
    }
  }

  /** The member's drain delay is over: the session ends (any thread; done on the listener's event loop). */
  @Override
  public void sever() {
    listener.onLoop(() -> close("member_drained"));
  }

  /** The member's replies (only the member's: the socket is connected), on the listener's event loop. */
  private final class FromMember extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf data = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
      if (closed) {
        data.release();
        return;
      }
      lastActiveNanos = System.nanoTime();
      if (!answered) {
        answered = true;
        listener.answered(UdpSession.this);
      }
      bytesOut += data.readableBytes();
      listener.toClient(client, data);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      listener.flushToClients();
    }

    /** ICMP port unreachable: the member is not listening now; its health check decides, not one datagram. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!(cause instanceof PortUnreachableException)) {
        close("error");
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      close("error");
    }
  }
}
