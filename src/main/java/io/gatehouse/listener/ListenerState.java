package io.gatehouse.listener;

import io.gatehouse.config.IpGroup;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.tls.OcspFetchCounts;
import io.gatehouse.tls.ServerTls;
import io.gatehouse.vertx.AcceptGate;
import io.gatehouse.vertx.Channels;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the instances of one listener (one per event loop) share: the {@link ListenerSettings} of the running
 * version, published as one value by the Runtime on a reload, and the counters behind {@code connection_limit},
 * the metrics and the status document. Lock-free.
 */
public final class ListenerState {

  private volatile ListenerSettings settings;
  private volatile boolean draining;
  private volatile Supplier<Future<Void>> portRelease = Future::succeededFuture;
  private final List<Function<ServerSSLOptions, Future<Boolean>>> tlsServers = new CopyOnWriteArrayList<>();
  /** Servers that build their TLS from the settings themselves (QUIC: its own TLS library). */
  private final List<Function<ServerTls, Future<Boolean>>> ownTlsServers = new CopyOnWriteArrayList<>();
  private final AtomicInteger active = new AtomicInteger();
  private final ShardedClientTable clients;
  private final LongAdder fullHandshakes = new LongAdder();
  private final LongAdder resumedHandshakes = new LongAdder();
  private final AcceptGate gate = this::admitAtAccept;
  private final LongAdder accepted = new LongAdder();
  private final LongAdder refusedAcl = new LongAdder();
  private final LongAdder refusedLimit = new LongAdder();
  private final ConcurrentHashMap<String, LongAdder> tlsFailures = new ConcurrentHashMap<>();
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder certificateReloads = new LongAdder();
  private final OcspFetchCounts ocspFetches = new OcspFetchCounts();
  private volatile Consumer<ServerTls> tlsChanged = tls -> { };
  private final LongAdder certificateReloadFailures = new LongAdder();
  /** The problem of the last failed reload of each certificate file, until that file loads again. */
  private volatile Map<Path, String> certificateErrors = Map.of();

  public ListenerState(ListenerSettings settings) {
    this(settings, ClientTable.MAX_CLIENTS);
  }

  /** With a per-client table of at most {@code maxClients} entries. */
  ListenerState(ListenerSettings settings, int maxClients) {
    this.settings = settings;
    this.clients = new ShardedClientTable(maxClients);
  }

  /** The running version's settings: read once per connection or request. */
  public ListenerSettings settings() {
    return settings;
  }

  /** The TLS settings in force (SSL and HTTPS listeners), else null; server instances start with these. */
  public ServerTls tls() {
    return settings.tls();
  }

  /** Called by each instance's server at start, so that new certificates reach every instance. */
  public void addTlsServer(Function<ServerSSLOptions, Future<Boolean>> updater) {
    tlsServers.add(updater);
  }

  /** Like {@link #addTlsServer}, for a server that builds its TLS from the settings itself (QUIC). */
  public void addOwnTlsServer(Function<ServerTls, Future<Boolean>> updater) {
    ownTlsServers.add(updater);
  }

  /**
   * Runtime context only: new TLS settings (replaced certificate files, or a changed {@code tls} object) for new
   * handshakes on every instance; open connections keep theirs. The settings show them once every instance has
   * them; the future fails, and the settings stay, when an instance refused them.
   */
  public Future<Void> updateTls(ServerTls next) {
    List<Future<Boolean>> updated = new ArrayList<>();
    ServerSSLOptions options = next.sslOptions();
    for (Function<ServerSSLOptions, Future<Boolean>> server : tlsServers) {
      updated.add(server.apply(options.copy()));
    }
    for (Function<ServerTls, Future<Boolean>> server : ownTlsServers) {
      updated.add(server.apply(next));
    }
    return Future.all(updated).onSuccess(v -> {
      settings = settings.withTls(next);
      tlsChanged.accept(next);
    }).mapEmpty();
  }

  /** Told of every TLS settings {@link #updateTls} puts in force (the OCSP stapler follows the certificates). */
  public void onTlsChange(Consumer<ServerTls> listener) {
    this.tlsChanged = listener;
  }

  /** This listener's OCSP fetches, for the metrics. */
  public OcspFetchCounts ocspFetches() {
    return ocspFetches;
  }

  /** Registered by a listener whose socket a replacement may take over (UDP: Vert.x does not manage that socket). */
  public void onReleasePort(Supplier<Future<Void>> release) {
    this.portRelease = release;
  }

  /** A replacement bound beside this listener takes its port: this listener's socket closes now. */
  public Future<Void> releasePort() {
    return portRelease.get();
  }

  /** Shorthand for {@code settings().config()}: one read, for callers that need nothing else. */
  public ListenerConfig config() {
    return settings.config();
  }

  public String name() {
    return settings.name();
  }

  /** Runtime context only: an in-place change (ACL, limit, timeouts, pool, headers, policies, TLS). */
  public void update(ListenerSettings next) {
    this.settings = next;
  }

  /** Replaced certificate files reached every instance: every file now served is good, so no error stays. */
  public void certificatesReloaded() {
    certificateReloads.increment();
    certificateErrors = Map.of();
  }

  /** The files are back as the ones served: no error stays. */
  public void clearCertificateErrors() {
    certificateErrors = Map.of();
  }

  /**
   * Replaced certificate files that could not be used: the running ones stay, and the problem shows on each
   * certificate it concerns (by the certificate's file).
   */
  public void certificateReloadFailed(List<Path> files, String problem) {
    certificateReloadFailures.increment();
    Map<Path, String> errors = new HashMap<>(certificateErrors);
    files.forEach(f -> errors.put(f, problem));
    certificateErrors = Map.copyOf(errors);
  }

  /** The last reload problem of each served certificate (by its file) that has one. */
  public Map<Path, String> certificateErrors() {
    return certificateErrors;
  }

  /** Certificate reloads by result: {@code applied} or {@code failed}. */
  public long certificateReloads(boolean applied) {
    return applied ? certificateReloads.sum() : certificateReloadFailures.sum();
  }

  /**
   * Admits a new UDP session (or, through {@link #admit(ClientAddress, Channel)}, a connection) under the settings
   * in force now, or says why not. An admitted one counts as active until {@link #release}.
   */
  public Refusal admit(ClientAddress client) {
    return admit(client, settings.config());
  }

  /** Admits a new session under {@code c}: release it with {@link #countedPerClient(ListenerConfig) c's} answer. */
  public Refusal admit(ClientAddress client, ListenerConfig c) {
    IpGroup acl = c.ipGroup();
    if (acl != null && !acl.admits(client.bytes())) {
      refusedAcl.increment();
      return Refusal.ACL;
    }
    if (!takeSlot(c)) {
      refusedLimit.increment();
      return Refusal.LIMIT;
    }
    if (countedPerClient(c) && !clients.tryOpen(client.tableKey(),
        c.hasClientConnectionLimit() ? c.clientConnectionLimit() : Integer.MAX_VALUE, System.nanoTime())) {
      active.decrementAndGet();
      refusedLimit.increment();
      return Refusal.LIMIT;
    }
    accepted.increment();
    return null;
  }

  /**
   * Whether the ACL in force refuses datagrams from {@code address} (QUIC: dropped before the QUIC library sees
   * them, so nothing is sent back); {@code count}: this one is a connection attempt, counted as refused.
   */
  public boolean aclRefuses(byte[] address, boolean count) {
    IpGroup acl = settings.config().ipGroup();
    if (acl == null || acl.admits(address)) {
      return false;
    }
    if (count) {
      refusedAcl.increment();
    }
    return true;
  }

  /**
   * Whether what {@code c} admits is counted in the per-client table: only under a per-client limit
   * (client_connection_limit, or client_request_rate, whose bucket must not be evicted while its client is
   * connected), so that other listeners keep no table, nor take its lock, per connection. A limit added by a reload
   * therefore counts the connections opened after it; those already open are not held against their clients.
   */
  public static boolean countedPerClient(ListenerConfig c) {
    return c.hasClientConnectionLimit() || c.clientRequestRate() != null;
  }

  /**
   * Admits a TCP connection (or says why not); an admitted one counts as active until its channel closes,
   * whoever closes it and whenever (a TLS handshake that fails included): released exactly once.
   */
  public Refusal admit(ClientAddress client, Channel channel) {
    ListenerConfig c = settings.config();
    Refusal refusal = admit(client, c);
    if (refusal == null) {
      boolean counted = countedPerClient(c);
      channel.attr(ADMITTED).set(client);
      channel.closeFuture().addListener(f -> release(client, counted));
    }
    return refusal;
  }

  /**
   * What decides at accept, before any TLS work, on every listening socket of this listener: the ACL and the
   * connection limits of the settings in force now. With {@code accept_proxy_protocol} the client is known only
   * from the PROXY header, so the decision waits for it ({@link #client}).
   */
  public AcceptGate gate() {
    return gate;
  }

  private boolean admitAtAccept(Channel accepted) {
    ListenerConfig c = settings.config();
    if (c.acceptsProxyProtocol()) {
      // the client is named by the PROXY header, read later; a peer that may not send one is refused now
      return trustedProxy(c, accepted);
    }
    return admit(ClientAddress.of(accepted.remoteAddress()), accepted) == null;
  }

  /** Whether the peer of {@code channel} is in accept_proxy_protocol.trusted_cidrs; counted as acl when not. */
  private boolean trustedProxy(ListenerConfig c, Channel channel) {
    if (c.trustedProxy(ClientAddress.of(channel.remoteAddress()).bytes())) {
      return true;
    }
    refusedAcl.increment();
    return false;
  }

  /**
   * The client of a connection Vert.x hands over: the one admitted at accept or, with accept_proxy_protocol, the
   * one the PROXY header names ({@code proxied}, asked only then; only a trusted proxy may name one), admitted
   * now. Null when refused: the caller closes the connection, with nothing sent.
   */
  @SuppressWarnings("deprecation") // getAndRemove: its caveat is other threads; this is the channel's event loop
  public ClientAddress client(Channel channel, ListenerConfig cfg,
      java.util.function.Supplier<io.vertx.core.net.SocketAddress> proxied) {
    // taken off the channel: the connection's own objects hold it from here, and an idle one carries no attribute
    ClientAddress admitted = channel.attr(ADMITTED).getAndRemove();
    if (admitted != null) {
      return admitted;
    }
    io.vertx.core.net.SocketAddress remote = proxied.get();
    if (cfg.acceptsProxyProtocol() && !trustedProxy(cfg, channel)) {
      return null; // a listener that took up accept_proxy_protocol by a reload, or a socket bound without a gate
    }
    if (remote.hostAddress() == null) {
      refusedAcl.increment(); // a PROXY v2 header naming a Unix socket: no client address to check or count
      return null;
    }
    ClientAddress from = ClientAddress.of(remote);
    return admit(from, channel) == null ? from : null;
  }

  private static final AttributeKey<ClientAddress> ADMITTED = AttributeKey.valueOf("gatehouse.admitted");

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
   * Whether this client (by {@link ClientAddress#tableKey}) may send one more request now under
   * {@code client_request_rate} (always true without one). Called per HTTP request.
   */
  public boolean allowRequest(ListenerConfig cfg, long clientKey) {
    ListenerConfig.ClientRate rate = cfg.clientRequestRate();
    return rate == null || clients.tryRequest(clientKey, rate, System.nanoTime());
  }

  /** Entries in the per-client table (tests). */
  int trackedClients() {
    return clients.size();
  }

  /** Runtime context, once a second: forgets clients gone quiet. */
  public void sweepClients() {
    clients.sweep(System.nanoTime());
  }

  /** A TLS handshake that did not complete, by reason ({@link TlsFailure}); the client was never admitted. */
  public void tlsFailed(String reason) {
    tlsFailures.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** A TLS handshake completed: counted as full or resumed (the JDK engine does not say which: not counted). */
  public void tlsHandshake(Channels.Handshake done) {
    if (done == Channels.Handshake.FULL) {
      fullHandshakes.increment();
    } else if (done == Channels.Handshake.RESUMED) {
      resumedHandshakes.increment();
    }
  }

  /** Completed TLS handshakes that resumed a session (a ticket or a session ID), or not. */
  public long tlsHandshakes(boolean resumed) {
    return (resumed ? resumedHandshakes : fullHandshakes).sum();
  }

  /** Failed TLS handshakes by reason, live. */
  public Map<String, LongAdder> tlsFailures() {
    return tlsFailures;
  }

  /**
   * An admitted session ended (UDP; connections are released when their channel closes); {@code counted}: what
   * {@link #countedPerClient} said of the settings it was admitted under.
   */
  public void release(ClientAddress client, boolean counted) {
    if (counted) {
      clients.close(client.tableKey(), System.nanoTime());
    }
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
