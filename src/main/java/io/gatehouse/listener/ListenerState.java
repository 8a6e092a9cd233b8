package io.gatehouse.listener;

import io.gatehouse.config.IpGroup;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.http.L7Router;
import io.gatehouse.tls.ServerTls;
import io.vertx.core.Future;
import io.vertx.core.net.ServerSSLOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the instances of one listener (one per event loop) share: the current configuration, swapped in place by
 * the Runtime on a reload, and the counters behind {@code connection_limit} and the status document. Lock-free.
 */
public final class ListenerState {

  private volatile ListenerConfig config;
  private volatile L7Router router;
  private final ServerTls tls;
  private volatile boolean draining;
  private final List<Function<ServerSSLOptions, Future<Boolean>>> tlsServers = new CopyOnWriteArrayList<>();
  private final AtomicInteger active = new AtomicInteger();
  private final ClientTable clients = new ClientTable();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder refusedAcl = new LongAdder();
  private final LongAdder refusedLimit = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> tlsFailures = new ConcurrentHashMap<>();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();

  /** @param tls the loaded TLS settings of an SSL or HTTPS listener, else null */
  public ListenerState(ListenerConfig config, ServerTls tls, L7Router router) {
    this.config = config;
    this.tls = tls;
    this.router = router;
  }

  /** HTTP and HTTPS: the forwarding policies of the current configuration version, compiled. */
  public L7Router router() {
    return router;
  }

  /** The TLS settings the server instances start with (SSL and HTTPS listeners), else null. */
  public ServerTls tls() {
    return tls;
  }

  /** Called by each instance's server at start, so that new certificates reach every instance. */
  public void addTlsServer(Function<ServerSSLOptions, Future<Boolean>> updater) {
    tlsServers.add(updater);
  }

  /**
   * Runtime context only: new TLS settings (replaced certificate files, or a changed {@code tls} object) for new
   * handshakes on every instance; open connections keep theirs.
   */
  public Future<?> updateTls(ServerSSLOptions next) {
    List<Future<Boolean>> updated = new ArrayList<>();
    for (Function<ServerSSLOptions, Future<Boolean>> server : tlsServers) {
      updated.add(server.apply(next.copy()));
    }
    return Future.all(updated);
  }

  public ListenerConfig config() {
    return config;
  }

  public String name() {
    return config.name();
  }

  /** Runtime context only: an in-place change (ACL, limit, timeouts, pool, headers, policies). */
  public void update(ListenerConfig next, L7Router nextRouter) {
    this.config = next;
    this.router = nextRouter;
  }

  /**
   * Admits a new client connection (or UDP session) or says why not. An admitted one counts as active until
   * {@link #release()}.
   */
  public Refusal admit(ClientAddress client) {
    ListenerConfig c = config;
    IpGroup acl = c.ipGroup();
    if (acl != null && !acl.admits(client.bytes())) {
      refusedAcl.increment();
      return Refusal.ACL;
    }
    if (!takeSlot(c)) {
      refusedLimit.increment();
      return Refusal.LIMIT;
    }
    // counted for every client, so that a limit set by a reload sees the connections already open
    if (!clients.tryOpen(client.hash(), c.hasClientConnectionLimit() ? c.clientConnectionLimit() : Integer.MAX_VALUE)) {
      active.decrementAndGet();
      refusedLimit.increment();
      return Refusal.LIMIT;
    }
    accepted.increment();
    return null;
  }

  /**
   * Counts one more connection unless connection_limit is reached. Compare-and-set rather than increment and undo:
   * the count is what the status document and the active gauge read, and under a flood of new clients the undo
   * let them see one past the limit.
   */
  private boolean takeSlot(ListenerConfig c) {
    int limit = c.hasConnectionLimit() ? c.connectionLimit() : Integer.MAX_VALUE;
    for (int now = active.get(); now < limit; now = active.get()) {
      if (active.compareAndSet(now, now + 1)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether this client may send one more request now under {@code client_request_rate} (always true without
   * one). Called per HTTP request.
   */
  public boolean allowRequest(long clientHash) {
    ListenerConfig.ClientRate rate = config.clientRequestRate();
    return rate == null || clients.tryRequest(clientHash, rate, System.nanoTime());
  }

  /** Runtime context, once a second: forgets clients gone quiet. */
  public void sweepClients() {
    clients.sweep(System.nanoTime());
  }

  /** A connection from a peer that may not send a PROXY protocol header: refused like an ACL miss. */
  public void refuseUntrustedProxy() {
    refusedAcl.increment();
  }

  /** A TLS handshake that did not complete, by reason ({@link TlsFailure}); the client was never admitted. */
  public void tlsFailed(String reason) {
    tlsFailures.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** Failed TLS handshakes by reason, live. */
  public Map<String, LongAdder> tlsFailures() {
    return tlsFailures;
  }

  /** An admitted connection or session ended. */
  public void release(ClientAddress client) {
    clients.close(client.hash());
    active.decrementAndGet();
  }

  public void addBytes(long in, long out) {
    bytesIn.add(in);
    bytesOut.add(out);
  }

  public int active() {
    return active.get();
  }

  public long accepted() {
    return accepted.sum();
  }

  public long refused(Refusal reason) {
    return switch (reason) {
      case ACL -> refusedAcl.sum();
      case LIMIT -> refusedLimit.sum();
      case TLS -> tlsFailures.values().stream().mapToLong(LongAdder::sum).sum();
    };
  }

  public long bytesIn() {
    return bytesIn.sum();
  }

  public long bytesOut() {
    return bytesOut.sum();
  }

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    draining = true;
  }
}
