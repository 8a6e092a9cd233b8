package io.gatehouse.listener;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Pick;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A UDP listener: one instance (a UDP port is not shared between event loops). Each client address gets a
 * session with its own member-side socket, so that the member's replies reach the right client; a session ends
 * after keepalive_timeout without traffic. Sessions count against connection_limit. There is no backpressure in
 * UDP: what cannot be forwarded (no member, limit reached, queue full while the session opens) is dropped and
 * counted.
 */
public final class UdpListener extends VerticleBase {

  /**
   * Without a connection_limit, sessions are still bounded: each holds a socket (a file descriptor), and a flood
   * of spoofed source addresses must not exhaust them.
   */
  static final int DEFAULT_MAX_SESSIONS = 10_000;

  /** Large enough for the largest UDP payload (65,507 bytes) so that no datagram is truncated. */
  static final int MAX_DATAGRAM = 65_536;

  private final ListenerState state;
  private final PoolRegistry pools;
  private final AccessLog accessLog;
  private final ListenerServices services;
  private final Map<SocketAddress, UdpSession> sessions = new HashMap<>();
  private final LongAdder dropped = new LongAdder();
  private DatagramSocket socket;
  private boolean draining;
  private long sweepTimer;

  public UdpListener(ListenerState state, ListenerServices services) {
    this.state = state;
    this.services = services;
    this.pools = services.pools();
    this.accessLog = services.accessLog();
  }

  static DatagramSocketOptions socketOptions() {
    return new DatagramSocketOptions().setReceiveBufferSize(MAX_DATAGRAM).setSendBufferSize(MAX_DATAGRAM * 4);
  }

  @Override
  public Future<?> start() {
    ListenerConfig cfg = state.config();
    socket = vertx.createDatagramSocket(socketOptions().setIpV6(cfg.host().contains(":")));
    socket.handler(this::fromClient);
    long period = Math.max(100, Math.min(1000, state.config().keepaliveTimeout().toMillis() / 4));
    sweepTimer = vertx.setPeriodic(period, id -> expireIdle());
    return socket.listen(cfg.protocolPort(), cfg.host());
  }

  /**
   * UDP has no connection to refuse: while draining, datagrams that would open a session are dropped and open
   * sessions go on until they go idle or the drain timeout passes; then the socket closes.
   */
  @Override
  public Future<?> stop() {
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
      return socket.close();
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

  void drop() {
    dropped.increment();
  }

  /** Sends a member's reply to the session's client from the listener's own address. */
  void toClient(SocketAddress client, io.vertx.core.buffer.Buffer data) {
    socket.send(data, client.port(), client.hostAddress());
  }

  private void fromClient(DatagramPacket packet) {
    SocketAddress sender = packet.sender();
    UdpSession session = sessions.get(sender);
    if (session == null) {
      session = draining ? null : open(sender);
      if (session == null) {
        dropped.increment();
        return;
      }
    }
    session.toMember(packet.data());
  }

  private UdpSession open(SocketAddress sender) {
    if (!state.config().hasConnectionLimit() && sessions.size() >= DEFAULT_MAX_SESSIONS) {
      return null;
    }
    ClientAddress from = ClientAddress.of(sender);
    if (state.admit(from) != null) {
      return null;
    }
    Pool pool = pools.get(state.config().defaultPool());
    Pick pick = pool == null ? Pick.NONE : pool.pick(from.ip(), from.hash());
    if (!pick.found()) {
      state.release(from);
      return null;
    }
    UdpSession s = new UdpSession(this, vertx, sender, from, pick.member(), state.name(), accessLog);
    sessions.put(sender, s);
    s.open();
    return s;
  }

  /** Called by a session that ended (idle, or its socket failed). */
  void ended(UdpSession s) {
    if (sessions.remove(s.client(), s)) {
      state.addBytes(s.bytesIn(), s.bytesOut());
      state.release(s.from());
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

  private void closeAll(String why) {
    new ArrayList<>(sessions.values()).forEach(s -> s.close(why));
  }
}
