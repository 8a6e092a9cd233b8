package io.gatehouse.listener;

import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Member;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.util.ArrayDeque;

/**
 * One UDP client's session: a member-side socket of its own on an ephemeral port, so that replies are told apart
 * by the port they arrive on. Only datagrams from the session's member are passed back. Confined to the
 * listener's event loop.
 */
final class UdpSession {

  /** Datagrams held while the member-side socket binds; beyond that they are dropped. */
  private static final int MAX_QUEUED = 64;

  private final UdpListener listener;
  private final Vertx vertx;
  private final SocketAddress client;
  private final ClientAddress from;
  private final Member member;
  private final String listenerName;
  private final AccessLog accessLog;
  private final long startNanos = System.nanoTime();
  private final ArrayDeque<Buffer> queued = new ArrayDeque<>();
  private DatagramSocket socket;
  private boolean ready;
  private boolean closed;
  private long lastActiveNanos = startNanos;
  private long bytesIn;
  private long bytesOut;

  UdpSession(UdpListener listener, Vertx vertx, SocketAddress client, ClientAddress from, Member member,
      String listenerName, AccessLog accessLog) {
    this.listener = listener;
    this.vertx = vertx;
    this.client = client;
    this.from = from;
    this.member = member;
    this.listenerName = listenerName;
    this.accessLog = accessLog;
  }

  ClientAddress from() {
    return from;
  }

  SocketAddress client() {
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

  void open() {
    member.acquire();
    SocketAddress to = member.socketAddress();
    boolean v6 = to.hostAddress().contains(":");
    socket = vertx.createDatagramSocket(UdpListener.socketOptions().setIpV6(v6));
    socket.handler(p -> {
      SocketAddress sender = p.sender();
      if (closed || sender.port() != to.port() || !sender.hostAddress().equals(to.hostAddress())) {
        return;
      }
      lastActiveNanos = System.nanoTime();
      bytesOut += p.data().length();
      listener.toClient(client, p.data());
    });
    socket.exceptionHandler(e -> close("error"));
    socket.listen(0, v6 ? "::" : "0.0.0.0").onComplete(ar -> {
      if (ar.failed()) {
        close("bind_failed");
        return;
      }
      ready = true;
      while (!queued.isEmpty()) {
        send(queued.poll());
      }
    });
  }

  void toMember(Buffer data) {
    if (closed) {
      return;
    }
    lastActiveNanos = System.nanoTime();
    if (ready) {
      send(data);
    } else if (queued.size() < MAX_QUEUED) {
      queued.add(data);
    } else {
      listener.drop();
    }
  }

  private void send(Buffer data) {
    bytesIn += data.length();
    SocketAddress to = member.socketAddress();
    socket.send(data, to.port(), to.hostAddress());
  }

  void close(String why) {
    if (closed) {
      return;
    }
    closed = true;
    queued.clear();
    if (socket != null) {
      socket.close();
    }
    member.release();
    listener.ended(this);
    if (accessLog.enabled()) {
      long ms = (System.nanoTime() - startNanos) / 1_000_000;
      accessLog.log(Instant.now() + " " + listenerName + " UDP client=" + from + " member=" + member.id()
          + " in=" + bytesIn + " out=" + bytesOut + " duration_ms=" + ms + " end=" + why);
    }
  }
}
