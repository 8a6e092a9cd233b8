package io.gatehouse.http;

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
import io.netty.handler.codec.http.HttpClientCodec;
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
   * Hands {@code waiter} a connection to {@code member}'s address (over TLS with {@code memberTls} when {@code tlsToMember}): an idle one at once, a new one, or the next freed one.
   * {@code fresh}: not an idle one (a retry after the member dropped one at reuse); a new one when the member's
   * connections are all busy is still the next freed one.
   */
  void acquire(Member member, boolean tlsToMember, MemberTls memberTls, long connectTimeoutMillis,
      boolean fresh, Waiter waiter) {
    if (closed) {
      waiter.connectFailed(STOPPED);
      return;
    }
    if (tlsToMember && memberTls == null) {
      waiter.connectFailed(NO_TLS_SETTINGS); // never plain HTTP to an HTTPS pool
      return;
    }
    Map<SocketAddress, Endpoint> endpoints = memberTls == null ? plain : tls.computeIfAbsent(memberTls,
        t -> new HashMap<>());
    SocketAddress address = member.socketAddress();
    Endpoint e = endpoints.get(address);
    if (e == null) {
      e = new Endpoint(address, memberTls);
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
  final class Endpoint implements MemberLink {
    private final InetSocketAddress address;
    /** The pool's TLS settings, or null for plain HTTP. */
    private final MemberTls memberTls;
    /** Most recently used first: the warm ones serve, the cold ones age out. */
    private final ArrayDeque<MemberConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final Set<Channel> open = new HashSet<>();
    private int connecting;
    private long connectTimeoutMillis;
    /** The member this endpoint served last, linked to it; null until the first request. */
    private Member member;

    Endpoint(SocketAddress member, MemberTls memberTls) {
      this.address = new InetSocketAddress(member.host(), member.port()); // an IP literal: no look-up
      this.memberTls = memberTls;
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
      });
    }

    @Override
    public void sever() {
      context.runOnContext(v -> List.copyOf(open).forEach(Channel::close));
    }

    void acquire(long timeoutMillis, boolean fresh, Waiter waiter) {
      connectTimeoutMillis = timeoutMillis;
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
      } else if (waiting.size() < MAX_WAITING) {
        waiting.addLast(new Waiting(waiter, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis)));
      } else {
        waiter.connectFailed(QUEUE_FULL);
      }
    }

    private void connect(Waiter waiter) {
      connecting++;
      long connectTimeout = Math.max(1, connectTimeoutMillis);
      MemberConnection conn = new MemberConnection(this);
      Bootstrap b = bootstrap.clone()
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout)
          .handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              if (memberTls != null) {
                // SNI and the verified name: tls_server_name, else the member's address
                ch.pipeline().addLast(memberTls.newHandler(ch.alloc(), address, connectTimeout));
              }
              ch.pipeline().addLast(conn.responseBytes());
              ch.pipeline().addLast(new HttpClientCodec(new HttpDecoderConfig()
                  .setMaxHeaderSize(MAX_RESPONSE_HEAD).setMaxChunkSize(MAX_CHUNK),
                  false, false));
              ch.pipeline().addLast(conn);
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
          connected(f.channel(), conn, waiter);
        } else {
          ssl.handshakeFuture().addListener(h -> {
            if (h.isSuccess()) {
              connected(f.channel(), conn, waiter);
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

    private void connected(Channel ch, MemberConnection conn, Waiter waiter) {
      connecting--;
      open.add(ch);
      if (!waiter.connected(conn)) {
        release(conn);
      }
    }

    /** A connection that finished an exchange and may carry another. */
    void release(MemberConnection c) {
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
    void closed(MemberConnection c) {
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
