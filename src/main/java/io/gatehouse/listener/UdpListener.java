package io.gatehouse.listener;

import com.sun.management.UnixOperatingSystemMXBean;
import io.gatehouse.vertx.Channels;
import io.gatehouse.vertx.Contexts;
import io.gatehouse.config.IpGroup;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.log.AccessLog;
import io.gatehouse.log.LogThrottle;
import io.gatehouse.pool.Pick;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * A UDP listener: one instance (a UDP port is not shared between event loops). Each client address gets a
 * session with its own member-side socket, so that the member's replies reach the right client; a session ends
 * after keepalive_timeout without traffic. Sessions count against connection_limit. There is no backpressure in
 * UDP: what cannot be forwarded (no member, limit reached, queue full while the session opens) is dropped and
 * counted. When the sessions are at their bound, a new client takes the place of the oldest session whose member
 * never answered, so that a flood of spoofed source addresses cannot hold every session until it goes idle;
 * sessions that had a reply are kept.
 *
 * <p>Datagrams go through Netty channels directly rather than Vert.x's DatagramSocket, which copies each datagram
 * to the heap and back, resolves the destination and completes a promise per send: here a datagram's buffer is
 * passed on as it was read, and what one read burst wrote is flushed once (sendmmsg).
 */
public final class UdpListener extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(UdpListener.class.getName());

  /**
   * Sessions are bounded whatever connection_limit says: each holds a socket (a file descriptor), and a flood of
   * spoofed source addresses must not take the descriptors every other listener, the admin API and the members'
   * connections need. At most a quarter of the process's descriptor limit in all, shared evenly by the running
   * instances (a listener runs one per event loop), so that a flood on one listener leaves the others their share;
   * and at most 10,000 on one instance.
   */
  static final int PER_LISTENER = 10_000;
  static final int MAX_SESSIONS = sessionBound(descriptorLimit());
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** This instance's share of {@link #MAX_SESSIONS}. */
  private int bound() {
    return Math.max(16, Math.min(PER_LISTENER, MAX_SESSIONS / Math.max(1, INSTANCES.get())));
  }

  static int sessionBound(long descriptorLimit) {
    return (int) Math.max(16, Math.min(PER_LISTENER, descriptorLimit / 4));
  }

  /** The process's limit on open file descriptors (RLIMIT_NOFILE, which the JVM raises to its hard limit). */
  private static long descriptorLimit() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
        ? unix.getMaxFileDescriptorCount()
        : Long.MAX_VALUE;
  }

  /** Large enough for the largest UDP payload (65,507 bytes) so that no datagram is truncated. */
  static final int MAX_DATAGRAM = 65_536;

  /** Kernel buffers hold a burst while the event loop is busy elsewhere (capped by net.core.[rw]mem_max). */
  private static final int SOCKET_BUFFER = 4 * 1024 * 1024;

  /** Datagrams read per wake-up before the event loop turns to its other channels. */
  private static final int READS_PER_WAKEUP = 64;

  private final ListenerState state;
  private final PoolRegistry pools;
  private final AccessLog accessLog;
  private final ListenerServices services;
  private final Map<InetSocketAddress, UdpSession> sessions = new HashMap<>();
  private final LogThrottle sessionsFull = new LogThrottle();
  private boolean counted;
  /**
   * The open sessions whose member has not answered yet, oldest first: the ones given up for a new client when
   * the sessions are at their bound. A session leaves on its member's first reply.
   */
  private final LinkedHashSet<UdpSession> unanswered = new LinkedHashSet<>();
  /** Sessions written to in the current read burst, flushed at its end. */
  private final List<UdpSession> unflushed = new ArrayList<>();
  private final LongAdder dropped = new LongAdder();
  private Context loop;
  private DatagramChannel channel;
  private boolean draining;
  private long sweepTimer;
  /**
   * Runs a session's member-socket set-up (on the event loop, where registering and connecting a datagram channel
   * complete at once). Tests replace it, on the event loop, to hold the set-up back and see datagrams queue.
   */
  Consumer<Runnable> memberSocketSetUp = Runnable::run;

  public UdpListener(ListenerState state, ListenerServices services) {
    this.state = state;
    this.services = services;
    this.pools = services.pools();
    this.accessLog = services.accessLog();
  }

  /**
   * A datagram channel for this listener's event loop, configured for datagrams of any size, not registered;
   * one {@link EmptyDatagrams} can send on (on NIO, a channel of its own rather than the transport's).
   */
  DatagramChannel newChannel(boolean v6) {
    DatagramChannel ch = vertx.isNativeTransportEnabled()
        ? Channels.datagramChannel(vertx, v6)
        : EmptyDatagrams.nioChannel(v6);
    // a read burst (64 datagrams of up to 64 KB) is queued before its flush: drop only past the kernel's share
    ch.config().setReceiveBufferSize(SOCKET_BUFFER).setSendBufferSize(SOCKET_BUFFER)
        .setWriteBufferWaterMark(new WriteBufferWaterMark(SOCKET_BUFFER / 2, SOCKET_BUFFER))
        .setRecvByteBufAllocator(new FixedRecvByteBufAllocator(MAX_DATAGRAM)
            .respectMaybeMoreData(false).maxMessagesPerRead(READS_PER_WAKEUP));
    return ch;
  }

  void setUpMemberSocket(Runnable setUp) {
    memberSocketSetUp.accept(setUp);
  }

  /** Registers a channel on this listener's event loop; the returned future completes there. */
  ChannelFuture register(DatagramChannel ch) {
    return Contexts.eventLoop(loop).register(ch);
  }

  @Override
  public Future<?> start() {
    ListenerConfig cfg = state.config();
    loop = context;
    channel = newChannel(cfg.host().contains(":"));
    Channels.reusePort(channel);
    channel.pipeline().addLast(new FromClients());
    state.onReleasePort(this::releasePort);
    long period = Math.max(100, Math.min(1000, state.config().keepaliveTimeout().toMillis() / 4));
    sweepTimer = vertx.setPeriodic(period, id -> expireIdle());
    return DatagramSockets.bind(register(channel), channel, new InetSocketAddress(cfg.host(), cfg.protocolPort()))
        .onSuccess(bound -> {
          counted = true;
          INSTANCES.incrementAndGet();
        });
  }

  /**
   * UDP has no connection to refuse: while draining, datagrams that would open a session are dropped and open
   * sessions go on until they go idle or the drain timeout passes; then the socket closes.
   */
  @Override
  public Future<?> stop() {
    if (!channel.isOpen()) {
      return Future.succeededFuture(); // the port went to a replacement
    }
    draining = true;
    Promise<Void> drained = Promise.promise();
    long deadline = System.nanoTime() + services.config().get().drainTimeout().toNanos();
    long poll = vertx.setPeriodic(50, id -> {
      if (sessions.isEmpty() || System.nanoTime() - deadline >= 0) {
        drained.tryComplete();
      }
    });
    return drained.future().eventually(() -> {
      vertx.cancelTimer(poll);
      vertx.cancelTimer(sweepTimer);
      closeAll("drained");
      uncount();
      Promise<Void> closed = Promise.promise();
      channel.close().addListener(c -> closed.tryComplete());
      return closed.future();
    });
  }

  /** Datagrams dropped: no usable member, limit or ACL, or a full queue while a session opened. */
  public long dropped() {
    return dropped.sum();
  }

  /** Sessions open on this listener. */
  public int sessions() {
    return sessions.size();
  }

  /** Tests: the session of a client address, or null (event loop only). */
  UdpSession session(InetSocketAddress client) {
    return sessions.get(client);
  }

  void drop() {
    dropped.increment();
  }

  /** Queues a member's reply to the session's client, sent from the listener's own address; takes the buffer. */
  void toClient(InetSocketAddress client, ByteBuf data) {
    if (!data.isReadable()) {
      // Netty does not send an empty datagram: sent now, past it
      data.release();
      if (!EmptyDatagrams.send(channel, client)) {
        dropped.increment();
      }
    } else if (channel.isWritable()) {
      if (HeldDatagrams.backlogged(channel)) {
        data = HeldDatagrams.compact(data, channel.alloc());
      }
      channel.write(new DatagramPacket(data, client), channel.voidPromise());
    } else {
      data.release();
      dropped.increment();
    }
  }

  /** Sends the replies queued by {@link #toClient} in one go. */
  void flushToClients() {
    channel.flush();
  }

  /** Marks a session to be flushed at the end of the current read burst. */
  void unflushed(UdpSession s) {
    unflushed.add(s);
  }

  private void fromClient(InetSocketAddress sender, ByteBuf data) {
    UdpSession session = sessions.get(sender);
    if (session == null) {
      if (!draining) {
        // opening a session picks a member: code that may rely on the Vert.x context being current
        Contexts.dispatch(loop, sender, this::open);
        session = sessions.get(sender);
      }
      if (session == null) {
        data.release();
        dropped.increment();
        return;
      }
    }
    session.toMember(data);
  }

  private UdpSession open(InetSocketAddress sender) {
    ClientAddress from = ClientAddress.of(sender);
    if (!unanswered.isEmpty() && atBound() && aclAdmits(from)) {
      unanswered.iterator().next().close("evicted");
    }
    if (sessions.size() >= bound()) {
      if (sessionsFull.due() > 0) {
        LOG.warning("listener " + state.name() + ": " + sessions.size() + " UDP sessions, its share of the most the"
            + " process's descriptor limit allows (" + MAX_SESSIONS + " in all): datagrams of new clients dropped");
      }
      return null;
    }
    ListenerSettings settings = state.settings();
    ListenerConfig cfg = settings.config();
    if (state.admit(from, cfg) != null) {
      return null;
    }
    boolean counted = ListenerState.countedPerClient(cfg);
    Pool pool = pools.get(settings.poolFor(pools::get, from.ip()));
    Pick pick = pool == null ? Pick.NONE : pool.pick(from.ip(), from.hash());
    if (!pick.found()) {
      state.release(from, counted);
      return null;
    }
    UdpSession s = new UdpSession(this, sender, from, counted, pick.member(), state.name(), pool.name(),
        accessLog);
    sessions.put(sender, s);
    unanswered.add(s);
    s.open();
    return s;
  }

  /**
   * Whether the sessions are exactly at their bound (connection_limit or {@link #MAX_SESSIONS}), so
   * that ending one makes room for one more. Past it (a reload lowered connection_limit) ending one would not:
   * the new client is refused, and no session is ended for nothing.
   */
  private boolean atBound() {
    ListenerConfig c = state.config();
    return sessions.size() == bound() || c.hasConnectionLimit() && state.active() == c.connectionLimit();
  }

  /** ip_group first: a client it refuses must not cost another client its session. */
  private boolean aclAdmits(ClientAddress from) {
    IpGroup acl = state.config().ipGroup();
    return acl == null || acl.admits(from.bytes());
  }

  /** Called by a session on its member's first reply: from then on it is kept when the sessions are at their bound. */
  void answered(UdpSession s) {
    unanswered.remove(s);
  }

  /** Called by a session that ended (idle, evicted, or its socket failed). */
  void ended(UdpSession s) {
    unanswered.remove(s);
    if (sessions.remove(s.client(), s)) {
      state.addBytes(s.bytesIn(), s.bytesOut());
      state.release(s.from(), s.countedPerClient());
    }
  }

  private void expireIdle() {
    long limit = state.config().keepaliveTimeout().toNanos();
    long now = System.nanoTime();
    List<UdpSession> idle = new ArrayList<>();
    for (UdpSession s : sessions.values()) {
      if (now - s.lastActiveNanos() > limit) {
        idle.add(s);
      }
    }
    idle.forEach(s -> s.close("idle"));
  }

  /**
   * A replacement bound beside this socket takes the port: the socket closes now and its sessions end, so that no
   * client is left hashed by the kernel to a listener that opens no new sessions. Their clients' next datagrams
   * open sessions on the replacement. Any thread.
   */
  private Future<Void> releasePort() {
    Promise<Void> released = Promise.promise();
    loop.runOnContext(v -> {
      draining = true;
      vertx.cancelTimer(sweepTimer);
      closeAll("replaced");
      uncount();
      channel.close().addListener(c -> released.tryComplete());
    });
    return released.future();
  }

  /** Runs {@code r} on this listener's event loop, where its sessions live. Any thread. */
  void onLoop(Runnable r) {
    loop.runOnContext(v -> r.run());
  }

  /** This instance no longer holds a share of the sessions (stopped, or its port went to a replacement). */
  private void uncount() {
    if (counted) {
      counted = false;
      INSTANCES.decrementAndGet();
    }
  }

  private void closeAll(String why) {
    new ArrayList<>(sessions.values()).forEach(s -> s.close(why));
  }

  /** Client datagrams, on the listener's event loop. */
  private final class FromClients extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      DatagramPacket packet = (DatagramPacket) msg;
      fromClient(packet.sender(), packet.content());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      for (UdpSession s : unflushed) {
        s.flush();
      }
      unflushed.clear();
    }

    /** A failed read concerns one datagram; the listener goes on. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    }
  }
}
