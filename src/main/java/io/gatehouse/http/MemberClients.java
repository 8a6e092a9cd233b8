package io.gatehouse.http;

import io.gatehouse.config.MemberTlsConfig;
import io.gatehouse.pool.Member;
import io.gatehouse.pool.MemberLink;
import io.gatehouse.vertx.Channels;
import io.gatehouse.vertx.Contexts;
import io.gatehouse.tls.MemberTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The keep-alive connections one listener instance keeps to members: a pool per member address (plain for pools
 * of protocol HTTP, TLS for HTTPS), on the listener's own event loop. Written at the Netty level rather than with
 * Vert.x's HTTP client: that client's per-request machinery (pool look-up, request and response objects, futures,
 * header copies) cost more CPU and allocation per proxied request than the rest of the gateway together (see
 * bench/NOTES.md). Idle connections close after a few seconds: shorter than the idle timeout of common servers
 * (5 s and up) so that the gateway, not the member, closes an idle connection and a request is never sent on one
 * the member is closing. Event-loop confined.
 */
public final class MemberClients {

  /** Connections per member per listener instance; requests past it wait in a bounded queue. */
  static final int CONNECTIONS_PER_MEMBER = 256;
  /** HTTP/2 connections per member per listener instance: each carries many streams. */
  static final int H2_CONNECTIONS_PER_MEMBER = 4;
  /** Requests waiting for a connection; past it the request fails at once (503) instead of queueing. */
  static final int MAX_WAITING = 1024;
  static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(4);
  static final int MAX_RESPONSE_HEAD = 64 * 1024;
  /** Response body pieces are handed on as they arrive, up to this size each. */
  static final int MAX_CHUNK = 64 * 1024;

  /** A request waiting for a connection to its member. */
  interface Waiter {
    /** Returns false when the request no longer wants it (the client left, a timer fired): it goes to the next. */
    boolean connected(MemberConnection connection);

    void connectFailed(Throwable cause);
  }

  /** All connections to the member are busy and its queue is full. */
  static final class QueueFull extends Exception {
    QueueFull() {
      super("too many requests waiting for a member connection", null, false, false);
    }
  }

  /** No connection came free within the connect timeout. */
  static final class WaitTimeout extends Exception {
    WaitTimeout() {
      super("no member connection came free in time", null, false, false);
    }
  }

  /** The listener is stopping: no new member connections. */
  static final class Stopped extends Exception {
    Stopped() {
      super("listener stopped", null, false, false);
    }
  }

  private static final QueueFull QUEUE_FULL = new QueueFull();
  private static final WaitTimeout WAIT_TIMEOUT = new WaitTimeout();
  private static final Stopped STOPPED = new Stopped();
  private static final SSLException NO_TLS_SETTINGS = new SSLException("the pool has no member TLS settings yet");

  /** A request in an endpoint's queue, and until when it may wait. */
  private record Waiting(Waiter waiter, long deadlineNanos) {}

  private final Context context;
  private final Bootstrap bootstrap;
  private final Map<SocketAddress, Endpoint> plain = new HashMap<>();
  /** HTTP2 pools' members: h2c by prior knowledge. */
  private final Map<SocketAddress, Endpoint> h2c = new HashMap<>();
  /** By the pool's TLS settings, then address: pools with other CAs or names never share a connection. */
  private final Map<MemberTls, Map<SocketAddress, Endpoint>> tls = new HashMap<>();
  private final long sweeper;
  private boolean closed;

  /** @param context the listener instance's event-loop context; every call comes from it */
  public MemberClients(Context context) {
    this.context = context;
    Vertx vertx = context.owner();
    this.bootstrap = new Bootstrap()
        .group(Contexts.eventLoop(context))
        .channelFactory(Channels.socketChannels(vertx))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true) // a member host gone without a FIN is found
        .disableResolver(); // member addresses are IP literals: resolved off the event loop beforehand
    MemberTls.insecure(); // built at start, as before pools had TLS settings: not on a first request's path
    this.sweeper = vertx.setPeriodic(1000, id -> closeIdle());
  }

  /**
   * Hands {@code waiter} a connection to {@code member}'s address (over TLS with {@code memberTls} when
   * {@code tlsToMember}; HTTP/2 without TLS when {@code h2c}): an idle one at once, a new one, or the next freed
   * one; for HTTP/2 (h2c, or what ALPN chose), a new stream on a connection with room.
   * {@code fresh}: not an idle one (a retry after the member dropped one at reuse); a new one when the member's
   * connections are all busy is still the next freed one.
   */
  void acquire(Member member, boolean tlsToMember, boolean h2c, MemberTls memberTls, long connectTimeoutMillis,
      boolean fresh, Waiter waiter) {
    if (closed) {
      waiter.connectFailed(STOPPED);
      return;
    }
    if (tlsToMember && memberTls == null) {
      waiter.connectFailed(NO_TLS_SETTINGS); // never plain HTTP to an HTTPS pool
      return;
    }
    Map<SocketAddress, Endpoint> endpoints = memberTls != null ? tls.computeIfAbsent(memberTls,
        t -> new HashMap<>()) : h2c ? this.h2c : plain;
    SocketAddress address = member.socketAddress();
    Endpoint e = endpoints.get(address);
    if (e == null) {
      e = new Endpoint(address, memberTls, h2c && memberTls == null);
      endpoints.put(address, e);
    }
    e.serve(member);
    e.acquire(connectTimeoutMillis, fresh, waiter);
  }

  public Future<?> close() {
    closed = true;
    context.owner().cancelTimer(sweeper);
    List<ChannelFuture> closing = new ArrayList<>();
    plain.values().forEach(e -> e.closeAll(closing));
    h2c.values().forEach(e -> e.closeAll(closing));
    tls.values().forEach(m -> m.values().forEach(e -> e.closeAll(closing)));
    Promise<Void> done = Contexts.promise(context);
    if (closing.isEmpty()) {
      done.complete();
      return done.future();
    }
    int[] left = {closing.size()};
    for (ChannelFuture f : closing) {
      f.addListener(x -> {
        if (--left[0] == 0) {
          done.complete();
        }
      });
    }
    return done.future();
  }

  private void closeIdle() {
    long now = System.nanoTime();
    plain.values().removeIf(e -> e.closeIdle(now));
    h2c.values().removeIf(e -> e.closeIdle(now));
    tls.values().removeIf(m -> {
      m.values().removeIf(e -> e.closeIdle(now));
      return m.isEmpty(); // settings a reload replaced go with their last connection
    });
  }

  /**
   * The connections to one member address. Linked to the member it serves: when that member drains its idle
   * connections close at once and freed ones are not kept, and when the drain's delay is over every connection
   * still open (requests in flight, WebSocket tunnels) closes. A member address in two pools is one endpoint: a
   * drain of either closes its connections.
   */
  final class Endpoint implements MemberLink, MemberConnection.Home, MemberH2Connection.Owner {
    private final InetSocketAddress address;
    /** The pool's TLS settings, or null for plain HTTP. */
    private final MemberTls memberTls;
    /** HTTP/2 by prior knowledge. */
    private final boolean h2c;
    /** TLS offering h2 by ALPN: each new connection speaks what the member picks. */
    private final boolean alpnH2;
    /** The last handshake here picked HTTP/1.1 (ALPN): new connections are bounded as HTTP/1.1 ones. */
    private boolean pickedHttp1;
    /** HTTP/2 connections that take streams (h2c and ALPN endpoints only, else null). */
    private final List<MemberH2Connection> h2;
    /** Most recently used first: the warm ones serve, the cold ones age out. */
    private final ArrayDeque<MemberConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final Set<Channel> open = new HashSet<>();
    private int connecting;
    private long connectTimeoutMillis;
    /** The member this endpoint served last, linked to it; null until the first request. */
    private Member member;

    Endpoint(SocketAddress member, MemberTls memberTls, boolean h2c) {
      this.address = new InetSocketAddress(member.host(), member.port()); // an IP literal: no look-up
      this.memberTls = memberTls;
      this.h2c = h2c;
      this.alpnH2 = memberTls != null && memberTls.offersH2();
      this.h2 = h2c || alpnH2 ? new ArrayList<>(H2_CONNECTIONS_PER_MEMBER) : null;
    }

    /** Links the endpoint to the member it now serves (a read and nothing more when it is the same one). */
    void serve(Member m) {
      if (m != member) {
        if (member != null) {
          member.unlink(this);
        }
        member = m;
        m.link(this);
      }
    }

    @Override
    public void drainBegan() {
      context.runOnContext(v -> {
        MemberConnection c;
        while ((c = idle.pollFirst()) != null) {
          c.abort();
        }
        closeIdleH2(Long.MIN_VALUE);
      });
    }

    @Override
    public void sever() {
      context.runOnContext(v -> List.copyOf(open).forEach(Channel::close));
    }

    void acquire(long timeoutMillis, boolean fresh, Waiter waiter) {
      connectTimeoutMillis = timeoutMillis;
      if (h2 != null && acquireStream(waiter)) {
        return;
      }
      MemberConnection c;
      if (fresh && !idle.isEmpty() && open.size() + connecting >= CONNECTIONS_PER_MEMBER) {
        // room for the new connection: the coldest idle one goes (and is no longer counted, so no next())
        c = idle.pollLast();
        open.remove(c.channel());
        c.abort();
      }
      while (!fresh && (c = idle.pollFirst()) != null) {
        if (c.isActive()) {
          if (waiter.connected(c)) {
            return;
          }
          idle.addFirst(c);
          return;
        }
      }
      if (open.size() + connecting < CONNECTIONS_PER_MEMBER) {
        connect(waiter);
      } else {
        enqueue(waiter);
      }
    }

    /**
     * HTTP/2: a stream on a connection with room, else a new connection while there are fewer than
     * {@link #H2_CONNECTIONS_PER_MEMBER}, else the queue; false when the member is spoken to in HTTP/1.1 (ALPN).
     */
    private boolean acquireStream(Waiter waiter) {
      for (int i = 0; i < h2.size(); i++) {
        MemberH2Connection c = h2.get(i);
        if (c.hasRoom()) {
          c.open(waiter);
          return true;
        }
      }
      if (!h2c && pickedHttp1) {
        return false;
      }
      if (takingStreams() + connecting < H2_CONNECTIONS_PER_MEMBER) {
        connect(waiter);
      } else {
        enqueue(waiter);
      }
      return true;
    }

    /**
     * HTTP/2 connections not going away. One the member sent GOAWAY on lives until its last stream ends (hours,
     * for a long gRPC stream): counted, a member with a connection age would leave no room for a new connection.
     */
    private int takingStreams() {
      int n = 0;
      for (int i = 0; i < h2.size(); i++) {
        if (!h2.get(i).goingAway()) {
          n++;
        }
      }
      return n;
    }

    @Override
    public void h2GoingAway(MemberH2Connection c) {
      if (!waiting.isEmpty() && takingStreams() + connecting < H2_CONNECTIONS_PER_MEMBER) {
        next(); // the room it took is free: a waiting request gets a new connection, the rest its streams
      }
    }

    private void enqueue(Waiter waiter) {
      if (waiting.size() < MAX_WAITING) {
        waiting.addLast(new Waiting(waiter, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis)));
      } else {
        waiter.connectFailed(QUEUE_FULL);
      }
    }

    private void connect(Waiter waiter) {
      connecting++;
      long connectTimeout = Math.max(1, connectTimeoutMillis);
      MemberConnection conn = new MemberConnection(this, false);
      Bootstrap b = bootstrap.clone()
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout)
          .handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              if (memberTls != null) {
                // SNI and the verified name: tls_server_name, else the member's address
                ch.pipeline().addLast(memberTls.newHandler(ch.alloc(), address, connectTimeout));
              }
              if (h2 == null) {
                http1(ch, conn);
              } // else HTTP/2, or what ALPN picks: once connected
            }
          });
      b.connect(address).addListener((ChannelFuture f) -> {
        if (!f.isSuccess()) {
          connecting--;
          waiter.connectFailed(f.cause());
          next();
          return;
        }
        SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
        if (ssl == null) {
          established(f.channel(), conn, waiter, null);
        } else {
          ssl.handshakeFuture().addListener(h -> {
            if (h.isSuccess()) {
              established(f.channel(), conn, waiter, ssl);
            } else {
              connecting--;
              f.channel().close();
              waiter.connectFailed(h.cause());
              next();
            }
          });
        }
      });
    }

    private void http1(Channel ch, MemberConnection conn) {
      ch.pipeline().addLast(conn.responseBytes());
      ch.pipeline().addLast(new MemberCodec(new HttpDecoderConfig()
          .setMaxHeaderSize(MAX_RESPONSE_HEAD).setMaxChunkSize(MAX_CHUNK)
          .setHeadersFactory(CompactHeaders.CHECKED).setTrailersFactory(CompactHeaders.CHECKED_TRAILERS)));
      ch.pipeline().addLast(conn);
    }

    /** TCP (and TLS) are up: HTTP/1.1 as usual; HTTP/2 for h2c, or when ALPN picked h2, once its SETTINGS come. */
    private void established(Channel ch, MemberConnection conn, Waiter waiter, SslHandler ssl) {
      if (h2 == null) {
        connected(ch, conn, waiter);
        return;
      }
      if (!h2c) {
        pickedHttp1 = !MemberTlsConfig.H2.equals(ssl.applicationProtocol());
        if (pickedHttp1) {
          http1(ch, conn);
          connected(ch, conn, waiter);
          return;
        }
      }
      MemberH2Connection.install(ch, this, waiter, Math.max(1, connectTimeoutMillis), MAX_RESPONSE_HEAD);
    }

    @Override
    public void h2Ready(MemberH2Connection c, Waiter first) {
      connecting--;
      open.add(c.channel());
      h2.add(c);
      if (first != null && c.hasRoom()) {
        c.open(first);
      } else if (first != null) {
        enqueue(first);
      }
      streamFreed(c); // waiting requests take what room is left
    }

    @Override
    public void h2Failed(Throwable cause, Waiter first) {
      connecting--;
      if (first != null) {
        first.connectFailed(cause);
      }
      next();
    }

    @Override
    public void h2Closed(MemberH2Connection c) {
      h2.remove(c);
      if (open.remove(c.channel())) {
        next();
      }
    }

    @Override
    public void streamFreed(MemberH2Connection c) {
      Waiting w;
      while (c.hasRoom() && (w = waiting.pollFirst()) != null) {
        c.open(w.waiter());
      }
      Member m = member;
      if (c.idle() && m != null && m.draining()) {
        c.close(); // a draining member keeps no idle connection
      }
    }

    /** Closes HTTP/2 connections without a stream since before {@code before}; all idle ones for MIN_VALUE. */
    private void closeIdleH2(long before) {
      if (h2 == null) {
        return;
      }
      for (MemberH2Connection c : List.copyOf(h2)) {
        if (c.idle() && (before == Long.MIN_VALUE || before - c.idleSinceNanos > 0)) {
          c.close();
        }
      }
    }

    private void connected(Channel ch, MemberConnection conn, Waiter waiter) {
      connecting--;
      open.add(ch);
      if (!waiter.connected(conn)) {
        release(conn);
      }
    }

    /** A connection that finished an exchange and may carry another. */
    @Override
    public void release(MemberConnection c) {
      Waiting w;
      while ((w = waiting.pollFirst()) != null) {
        if (w.waiter().connected(c)) {
          return;
        }
      }
      Member m = member;
      if (m != null && m.draining()) {
        c.abort(); // a draining member keeps no idle connection
        return;
      }
      c.idleSinceNanos = System.nanoTime();
      idle.addFirst(c);
    }

    /** Called when a connection's channel has closed, for whatever reason. */
    @Override
    public void closed(MemberConnection c) {
      if (open.remove(c.channel())) {
        idle.remove(c);
        next();
      }
    }

    /** A connection slot came free: the first waiter gets a new connection. */
    private void next() {
      Waiting w = waiting.pollFirst();
      if (w != null && !closed) {
        connect(w.waiter());
      } else if (w != null) {
        w.waiter().connectFailed(STOPPED);
      }
    }

    /**
   * Fails requests that waited past their connect timeout (checked once a second: a coarse bound, kept off the
   * per-request path) and closes connections idle for longer than the keep-alive; true when nothing is left.
   */
    boolean closeIdle(long now) {
      while (!waiting.isEmpty() && now - waiting.peekFirst().deadlineNanos() > 0) {
        waiting.pollFirst().waiter().connectFailed(WAIT_TIMEOUT);
      }
      while (!idle.isEmpty() && now - idle.peekLast().idleSinceNanos > KEEP_ALIVE_NANOS) {
        idle.pollLast().abort();
      }
      closeIdleH2(now - KEEP_ALIVE_NANOS);
      boolean empty = open.isEmpty() && connecting == 0 && waiting.isEmpty();
      if (empty) {
        unlink(); // the endpoint is dropped
      }
      return empty;
    }

    private void unlink() {
      if (member != null) {
        member.unlink(this);
        member = null;
      }
    }

    void closeAll(List<ChannelFuture> closing) {
      unlink();
      for (Waiting w : waiting) {
        w.waiter().connectFailed(STOPPED);
      }
      waiting.clear();
      for (Channel ch : List.copyOf(open)) {
        closing.add(ch.close());
      }
    }
  }
}
