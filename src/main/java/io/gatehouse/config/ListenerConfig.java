package io.gatehouse.config;

import java.time.Duration;
import java.util.List;

/**
 * One {@code listeners[]} entry. {@code tls} is null unless the protocol is SSL or HTTPS; {@code ipGroup} is
 * null when there is no access control; {@code maxBodySize} is -1 when bodies are unbounded; {@code headLimits} is
 * {@link HeadLimits#DEFAULTS} unless an HTTP or HTTPS listener sets {@code max_header_size} or {@code max_headers}.
 * {@code l7Policies} is sorted by position. {@code proxyProtocolFrom} ({@code accept_proxy_protocol.trusted_cidrs})
 * is empty unless every connection must start with a PROXY protocol header, which is accepted from these
 * networks only. {@code trustedProxies} ({@code trusted_proxies}, HTTP and HTTPS) are the peers whose forwarding
 * headers (X-Forwarded-For, Forwarded) are believed. {@code pathRules} is {@link PathRules#DEFAULTS} unless an
 * HTTP or HTTPS listener sets {@code merge_slashes} or {@code escaped_slashes}. {@code defaultPools} is never
 * empty in a valid configuration: {@code default_pool} reads as one entry of weight 1, and then {@code defaultPool}
 * names it; with {@code default_pools} {@code defaultPool} is the only entry's pool, or null for a split of several.
 * {@code edits} ({@code rewrite}, {@code request_headers}, {@code response_headers}) is {@link HttpEdits#NONE} unless
 * an HTTP or HTTPS listener gives them; its policies' own edits are over these. {@code advertiseHttp3} is the name
 * of the QUIC listener an HTTPS listener advertises in {@code Alt-Svc}, else null.
 */
public record ListenerConfig(
    String name,
    ListenerProtocol protocol,
    String host,
    int protocolPort,
    String defaultPool,
    int connectionLimit,
    Duration clientTimeout,
    Duration memberTimeout,
    Duration keepaliveTimeout,
    InsertHeaders insertHeaders,
    TlsConfig tls,
    boolean http2Enable,
    IpGroup ipGroup,
    List<L7Policy> l7Policies,
    boolean proxyProtocol,
    long maxBodySize,
    List<Cidr> proxyProtocolFrom,
    int clientConnectionLimit,
    ClientRate clientRequestRate,
    HeadLimits headLimits,
    List<Cidr> trustedProxies,
    PathRules pathRules,
    List<PoolWeight> defaultPools,
    SplitSticky splitSticky,
    HttpEdits edits,
    String advertiseHttp3) {

  /** {@code client_request_rate}: each client address may send {@code perSecond} requests, {@code burst} at once. */
  public record ClientRate(double perSecond, int burst) {}

  public ListenerConfig {
    l7Policies = List.copyOf(l7Policies);
    proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
    trustedProxies = List.copyOf(trustedProxies);
    defaultPools = List.copyOf(defaultPools);
  }

  /** A listener that advertises no HTTP/3 listener. */
  public ListenerConfig(String name, ListenerProtocol protocol, String host, int protocolPort, String defaultPool,
      int connectionLimit, Duration clientTimeout, Duration memberTimeout, Duration keepaliveTimeout,
      InsertHeaders insertHeaders, TlsConfig tls, boolean http2Enable, IpGroup ipGroup, List<L7Policy> l7Policies,
      boolean proxyProtocol, long maxBodySize, List<Cidr> proxyProtocolFrom, int clientConnectionLimit,
      ClientRate clientRequestRate, HeadLimits headLimits, List<Cidr> trustedProxies, PathRules pathRules,
      List<PoolWeight> defaultPools, SplitSticky splitSticky, HttpEdits edits) {
    this(name, protocol, host, protocolPort, defaultPool, connectionLimit, clientTimeout, memberTimeout,
        keepaliveTimeout, insertHeaders, tls, http2Enable, ipGroup, l7Policies, proxyProtocol, maxBodySize,
        proxyProtocolFrom, clientConnectionLimit, clientRequestRate, headLimits, trustedProxies, pathRules,
        defaultPools, splitSticky, edits, null);
  }

  /** A listener without rewrites or header actions. */
  public ListenerConfig(String name, ListenerProtocol protocol, String host, int protocolPort, String defaultPool,
      int connectionLimit, Duration clientTimeout, Duration memberTimeout, Duration keepaliveTimeout,
      InsertHeaders insertHeaders, TlsConfig tls, boolean http2Enable, IpGroup ipGroup, List<L7Policy> l7Policies,
      boolean proxyProtocol, long maxBodySize, List<Cidr> proxyProtocolFrom, int clientConnectionLimit,
      ClientRate clientRequestRate, HeadLimits headLimits, List<Cidr> trustedProxies, PathRules pathRules,
      List<PoolWeight> defaultPools, SplitSticky splitSticky) {
    this(name, protocol, host, protocolPort, defaultPool, connectionLimit, clientTimeout, memberTimeout,
        keepaliveTimeout, insertHeaders, tls, http2Enable, ipGroup, l7Policies, proxyProtocol, maxBodySize,
        proxyProtocolFrom, clientConnectionLimit, clientRequestRate, headLimits, trustedProxies, pathRules,
        defaultPools, splitSticky, HttpEdits.NONE, null);
  }

  /** A listener with one default pool and no split. */
  public ListenerConfig(String name, ListenerProtocol protocol, String host, int protocolPort, String defaultPool,
      int connectionLimit, Duration clientTimeout, Duration memberTimeout, Duration keepaliveTimeout,
      InsertHeaders insertHeaders, TlsConfig tls, boolean http2Enable, IpGroup ipGroup, List<L7Policy> l7Policies,
      boolean proxyProtocol, long maxBodySize, List<Cidr> proxyProtocolFrom, int clientConnectionLimit,
      ClientRate clientRequestRate, HeadLimits headLimits, List<Cidr> trustedProxies, PathRules pathRules) {
    this(name, protocol, host, protocolPort, defaultPool, connectionLimit, clientTimeout, memberTimeout,
        keepaliveTimeout, insertHeaders, tls, http2Enable, ipGroup, l7Policies, proxyProtocol, maxBodySize,
        proxyProtocolFrom, clientConnectionLimit, clientRequestRate, headLimits, trustedProxies, pathRules,
        defaultPool == null ? List.of() : List.of(new PoolWeight(defaultPool, 1)), SplitSticky.OFF);
  }

  /** The default pool, or the split ({@code a:95,b:5}) when there are several: for logs. */
  public String defaultPoolsText() {
    return defaultPools.size() == 1 ? defaultPools.get(0).pool() : String.join(",",
        defaultPools.stream().map(w -> w.pool() + ":" + w.weight()).toList());
  }

  /** {@code client_connection_limit}: concurrent connections (UDP: sessions) per client address; -1 = none. */
  public boolean hasClientConnectionLimit() {
    return clientConnectionLimit >= 0;
  }

  /** Whether connections arrive with a PROXY protocol header naming the real client. */
  public boolean acceptsProxyProtocol() {
    return !proxyProtocolFrom.isEmpty();
  }

  /** Whether the peer that opened a connection may send a PROXY header (it is a trusted proxy). */
  public boolean trustedProxy(byte[] peerAddress) {
    return Cidr.anyContains(proxyProtocolFrom, peerAddress);
  }

  /**
   * Whether the forwarding headers a peer sends are believed ({@code trusted_proxies}): its X-Forwarded-For is
   * kept under {@code "replace"}, its Forwarded passed on.
   */
  public boolean forwardsFor(byte[] peerAddress) {
    return Cidr.anyContains(trustedProxies, peerAddress);
  }

  public boolean hasConnectionLimit() {
    return connectionLimit >= 0;
  }

  /**
   * True when moving from {@code this} to {@code next} needs a new server socket; every other change is applied
   * in place to the running listener.
   */
  public boolean needsNewSocket(ListenerConfig next) {
    return protocol != next.protocol
        || protocolPort != next.protocolPort
        || !host.equals(next.host)
        || http2Enable != next.http2Enable
        || acceptsProxyProtocol() != next.acceptsProxyProtocol()
        || (tls == null) != (next.tls == null)
        // the engine is a server option fixed at bind: a TLS update in place changes key material and lists only
        || (tls != null && next.tls != null && tls.engine() != next.tls.engine())
        // Vert.x fixes these at bind, where HTTP/2 is on: the header list size of the SETTINGS every HTTP/2
        // connection starts with, and the decoder of an h2c listener's first HTTP/1 request (HTTP/1 decoders
        // are built per connection from the current limits)
        || (http2Enable && headLimits.maxHeaderSize() != next.headLimits.maxHeaderSize())
        // QUIC fixes them in its codec at bind: the idle timeout and the field section size of its SETTINGS
        || (protocol == ListenerProtocol.QUIC && (!clientTimeout.equals(next.clientTimeout)
            || headLimits.maxHeaderSize() != next.headLimits.maxHeaderSize()));
  }
}
