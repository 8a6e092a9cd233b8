package io.gatehouse.config;

import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One {@code listeners[]} entry; references are checked against the document's {@link Declarations}. */
final class ListenerParser {
  static final String PROTOCOLS = ObjectReader.names(ListenerProtocol.class);
  private static final long MAX_SECONDS = 86_400;
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration L4_KEEPALIVE = Duration.ofSeconds(300);
  /**
   * max_header_size bounds: under 1 KiB not even an ordinary browser request with its cookies fits; past 1 MiB a
   * head is buffered memory per connection that a flood of slow clients multiplies.
   */
  private static final int MIN_HEAD = 1024;
  private static final int MAX_HEAD = 1024 * 1024;
  private static final int MAX_HEADER_LINES = 10_000;

  private final Declarations declared;
  private final TlsParser tls;
  private final L7PolicyParser policies;
  private final PortTable ports = new PortTable();

  /** @param admin the admin API's binding, which no TCP-based listener may share */
  ListenerParser(Declarations declared, Path baseDir, GatehouseConfig.AdminConfig admin) {
    this.declared = declared;
    this.tls = new TlsParser(baseDir);
    this.policies = new L7PolicyParser(declared);
    if (admin.host() != null) {
      ports.reserve("the admin API", admin.host(), admin.port());
    }
  }

  /** A listener protocol name as the contract spells it; {@code TLS} is another name of SSL. */
  static Optional<ListenerProtocol> protocol(String name) {
    if (name.equals("TLS")) {
      return Optional.of(ListenerProtocol.SSL);
    }
    for (ListenerProtocol p : ListenerProtocol.values()) {
      if (p.name().equals(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  ListenerConfig parse(ObjectReader r) {
    String name = r.requiredString("name");
    ListenerProtocol protocol = null;
    if (!r.has("protocol")) {
      r.error("protocol", "is required");
    } else {
      protocol = r.oneOf("protocol", ListenerParser::protocol, PROTOCOLS, null);
    }
    String host = r.string("host", "0.0.0.0");
    if (!Addresses.isIpLiteral(host)) {
      r.error("host", "must be an IP address");
      host = null;
    }
    int port = r.requiredIntIn("protocol_port", 1, 65535);
    ports.claim(r, name, protocol, host, port);
    boolean http = protocol == null || protocol.isHttp();
    List<PoolWeight> defaultPools = PoolSplitParser.parse(r, "default_pool", declared, protocol);
    String defaultPool = defaultPools.size() == 1 ? defaultPools.get(0).pool() : null;
    SplitSticky splitSticky = onlyFor(r, "split_sticky", http, "only HTTP and HTTPS listeners take split_sticky (a"
        + " cookie); TCP, SSL and UDP clients keep their pool by its SOURCE_IP session_persistence")
        ? PoolSplitParser.sticky(r.object("split_sticky")) : SplitSticky.OFF;

    int limit = connectionLimit(r);
    Duration client = r.positiveSeconds("client_timeout", MAX_SECONDS, DEFAULT_TIMEOUT);
    Duration member = r.positiveSeconds("member_timeout", MAX_SECONDS, DEFAULT_TIMEOUT);
    Duration keepalive = r.positiveSeconds("keepalive_timeout", MAX_SECONDS, http ? DEFAULT_TIMEOUT : L4_KEEPALIVE);

    boolean l4 = protocol == null || protocol == ListenerProtocol.TCP || protocol == ListenerProtocol.SSL;
    InsertHeaders headers = InsertHeaders.DEFAULTS;
    if (onlyFor(r, "insert_headers", http, "only HTTP and HTTPS listeners insert headers")) {
      ObjectReader h = r.object("insert_headers");
      headers = h == null ? headers : InsertHeaderNames.merge(h, headers);
    }
    TlsConfig tlsConfig = tls(r, protocol);
    if (protocol == ListenerProtocol.QUIC) {
      quic(r, tlsConfig);
    }
    String advertiseHttp3 = onlyFor(r, "advertise_http3", protocol == null || protocol == ListenerProtocol.HTTPS,
        "only HTTPS listeners take advertise_http3") ? r.string("advertise_http3", null) : null;
    if (advertiseHttp3 != null) {
      declared.checkQuicListener(r, "advertise_http3", advertiseHttp3);
    }
    boolean http2 = onlyFor(r, "http2_enable", http && protocol != ListenerProtocol.QUIC,
        "only HTTP and HTTPS listeners take http2_enable")
        && r.bool("http2_enable", false);
    ObjectReader ig = r.object("ip_group");
    IpGroup ipGroup = ig == null ? null : ipGroup(ig);
    List<L7Policy> l7 = onlyFor(r, "l7_policies", http, "only HTTP and HTTPS listeners take l7_policies")
        ? policies.parse(r.objects("l7_policies"), name, protocol, headers) : List.of();
    HttpEditsParser.FIELDS.forEach(f -> onlyFor(r, f, http, "only HTTP and HTTPS listeners take " + f));
    HttpEdits edits = http ? HttpEditsParser.parse(r, headers) : HttpEdits.NONE;
    if (splitSticky.enable() && defaultPools.size() < 2 && l7.stream().allMatch(p -> p.redirectPools().size() < 2)) {
      r.problems().warn(r.pathOf("split_sticky"), "no split between pools on this listener, so no cookie to set");
    }
    boolean proxy = onlyFor(r, "proxy_protocol", l4, "only TCP and SSL listeners take proxy_protocol")
        && r.bool("proxy_protocol", false);
    long maxBody = onlyFor(r, "max_body_size", http, "only HTTP and HTTPS listeners take max_body_size")
        ? maxBodySize(r) : -1;
    List<Cidr> proxyFrom = List.of();
    if (onlyFor(r, "accept_proxy_protocol", protocol == null || !protocol.isUdp(),
        "UDP and QUIC listeners do not take accept_proxy_protocol")) {
      ObjectReader app = r.object("accept_proxy_protocol");
      proxyFrom = app == null ? proxyFrom : cidrs(app, "trusted_cidrs");
    }
    List<Cidr> trusted = onlyFor(r, "trusted_proxies", http, "only HTTP and HTTPS listeners take trusted_proxies")
        && r.has("trusted_proxies") ? cidrList(r, "trusted_proxies") : List.of();
    int perClient = intLimit(r, "client_connection_limit");
    ListenerConfig.ClientRate rate = null;
    if (onlyFor(r, "client_request_rate", http, "only HTTP and HTTPS listeners take client_request_rate")) {
      ObjectReader cr = r.object("client_request_rate");
      rate = cr == null ? null : clientRate(cr);
    }
    HeadLimits head = new HeadLimits(
        onlyFor(r, "max_header_size", http, "only HTTP and HTTPS listeners take max_header_size")
            ? r.intIn("max_header_size", MIN_HEAD, MAX_HEAD, HeadLimits.DEFAULT_MAX_HEADER_SIZE)
            : HeadLimits.DEFAULT_MAX_HEADER_SIZE,
        onlyFor(r, "max_headers", http, "only HTTP and HTTPS listeners take max_headers")
            ? r.intIn("max_headers", 1, MAX_HEADER_LINES, -1) : -1);
    PathRules paths = new PathRules(
        !onlyFor(r, "merge_slashes", http, "only HTTP and HTTPS listeners take merge_slashes")
            || r.bool("merge_slashes", PathRules.DEFAULTS.mergeSlashes()),
        onlyFor(r, "escaped_slashes", http, "only HTTP and HTTPS listeners take escaped_slashes")
            && r.oneOf("escaped_slashes", ListenerParser::keepEscapedSlashes, "reject, keep",
                PathRules.DEFAULTS.keepEscapedSlashes()));
    return new ListenerConfig(name, protocol, host, port, defaultPool, limit, client, member, keepalive, headers,
        tlsConfig, http2, ipGroup, l7, proxy, maxBody, proxyFrom, perClient, rate, head, trusted, paths,
        defaultPools, splitSticky, edits, advertiseHttp3);
  }

  /**
   * What a QUIC listener needs beyond an HTTPS one: QUIC carries TLS 1.3 only, and its TLS library takes no suite
   * list, so only the {@code tls-1-3} policy says what is served; and the native QUIC library must load here.
   */
  private static void quic(ObjectReader r, TlsConfig tls) {
    if (tls != null && tls.securityPolicy() != TlsPolicyName.TLS_1_3) {
      r.problems().error(JsonPath.field(r.pathOf("tls"), "security_policy"), "a QUIC listener takes only tls-1-3"
          + " (QUIC is TLS 1.3 only, and its TLS library cannot choose suites), not "
          + tls.securityPolicy().configName());
    }
    if (tls != null && tls.engine() == TlsConfig.Engine.JDK) {
      r.problems().error(JsonPath.field(r.pathOf("tls"), "engine"), "a QUIC listener's TLS is the QUIC library's"
          + " own BoringSSL: it takes no engine \"jdk\"");
    }
    String unavailable = QuicSupport.unavailable();
    if (unavailable != null) {
      r.error("protocol", unavailable);
    }
  }

  /** {@code escaped_slashes}: {@code keep} (true) or {@code reject}. */
  private static Optional<Boolean> keepEscapedSlashes(String s) {
    return switch (s) {
      case "keep" -> Optional.of(true);
      case "reject" -> Optional.of(false);
      default -> Optional.empty();
    };
  }

  private TlsConfig tls(ObjectReader r, ListenerProtocol protocol) {
    ObjectReader t = r.object("tls");
    if (protocol != null && protocol.isTls() && t == null && !r.has("tls")) {
      r.error("tls", "is required for " + protocol + " listeners");
    }
    if (protocol != null && !protocol.isTls() && t != null) {
      r.error("tls", "only SSL, HTTPS and QUIC listeners take tls");
    }
    boolean staples = protocol == ListenerProtocol.SSL || protocol == ListenerProtocol.HTTPS;
    return t == null ? null : tls.parse(t, protocol == ListenerProtocol.QUIC ? TlsPolicyName.TLS_1_3
        : TlsPolicyName.TLS_1_2, staples || protocol == null ? null
        : "only SSL and HTTPS listeners staple OCSP responses, not " + protocol);
  }

  /** Whether the field may be read here; when not, giving it is an error and its content is not looked at. */
  private static boolean onlyFor(ObjectReader r, String field, boolean allowed, String message) {
    if (!allowed) {
      r.refuse(field, message);
    }
    return allowed;
  }

  private static int connectionLimit(ObjectReader r) {
    return intLimit(r, "connection_limit");
  }

  /** A count that is -1 for none, else at least 1. */
  private static int intLimit(ObjectReader r, String field) {
    Long v = r.integer(field);
    if (v == null) {
      return -1;
    }
    if (v != -1 && (v < 1 || v > Integer.MAX_VALUE)) {
      r.error(field, "must be -1 (no limit) or 1-" + Integer.MAX_VALUE);
      return -1;
    }
    return v.intValue();
  }

  private static ListenerConfig.ClientRate clientRate(ObjectReader r) {
    java.math.BigDecimal given = r.number("per_second");
    if (given == null) {
      if (!r.has("per_second")) {
        r.error("per_second", "is required");
      }
      return null;
    }
    double perSecond = given.doubleValue();
    if (!(perSecond > 0) || perSecond > 1_000_000) {
      r.error("per_second", "must be more than 0 and at most 1000000");
      return null;
    }
    Long burst = r.integer("burst");
    long b = burst == null ? (long) Math.ceil(perSecond) : burst;
    if (b < 1 || b > 1_000_000) {
      r.error("burst", "must be 1-1000000");
      return null;
    }
    return new ListenerConfig.ClientRate(perSecond, (int) b);
  }

  private static long maxBodySize(ObjectReader r) {
    Long v = r.integer("max_body_size");
    if (v == null) {
      return -1;
    }
    if (v < -1) {
      r.error("max_body_size", "must be -1 (unbounded) or at least 0");
      return -1;
    }
    return v;
  }

  private static IpGroup ipGroup(ObjectReader r) {
    IpGroup.Type type = null;
    if (!r.has("type")) {
      r.error("type", "is required");
    } else {
      type = r.oneOf("type", ListenerParser::ipGroupType, "white, black", null);
    }
    return new IpGroup(type, cidrs(r, "cidrs"));
  }

  /** A required, non-empty list of networks; each bad entry is reported at its own index. */
  private static List<Cidr> cidrs(ObjectReader r, String field) {
    if (!r.has(field)) {
      r.error(field, "is required");
      return List.of();
    }
    JsonArray list = r.list(field);
    if (list != null && list.isEmpty()) {
      r.error(field, "must not be empty");
      return List.of();
    }
    return cidrList(r, field);
  }

  /** A list of networks, empty allowed; each bad entry is reported at its own index. */
  private static List<Cidr> cidrList(ObjectReader r, String field) {
    List<Cidr> cidrs = new ArrayList<>();
    JsonArray list = r.list(field);
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        String at = JsonPath.index(r.pathOf(field), i);
        Optional<Cidr> cidr = list.getValue(i) instanceof String s ? Cidr.parse(s) : Optional.empty();
        String text = list.getValue(i) instanceof String s ? s : null;
        cidr.ifPresentOrElse(cidrs::add, () -> r.problems().error(at, Cidr.isV4MappedText(text)
            ? "an IPv4-mapped network (::ffff:a.b.c.d/n) needs a prefix of 96 to 128; or write it as IPv4"
            : "must be an IP address or network like 10.0.0.0/8 or ::1/128"));
      }
    }
    return cidrs;
  }

  private static Optional<IpGroup.Type> ipGroupType(String s) {
    return switch (s) {
      case "white", "WHITE" -> Optional.of(IpGroup.Type.WHITE);
      case "black", "BLACK" -> Optional.of(IpGroup.Type.BLACK);
      default -> Optional.empty();
    };
  }

  /**
   * Who bound which port so far: a later listener on an overlapping address and the same transport fails.
   * This must be caught here: Vert.x shares one socket between servers of one instance that listen on the same
   * address, so two of them would silently take turns at each other's connections instead of failing to bind.
   */
  private static final class PortTable {
    private record Binding(String owner, boolean udp, String host, int port) {}

    private final List<Binding> bindings = new ArrayList<>();

    /** A TCP binding that is not a listener's (the admin API). */
    void reserve(String owner, String host, int port) {
      bindings.add(new Binding(owner, false, Addresses.canonical(host), port));
    }

    void claim(ObjectReader r, String name, ListenerProtocol protocol, String host, int port) {
      if (protocol == null || host == null || port <= 0) {
        return;
      }
      Binding mine = new Binding(name == null ? r.path() : "listener \"" + name + "\"",
          protocol.isUdp(), Addresses.canonical(host), port);
      for (Binding b : bindings) {
        if (b.udp == mine.udp && b.port == port && overlap(b.host, mine.host)) {
          r.error("protocol_port", "port " + port + " is already used by " + b.owner);
          return;
        }
      }
      bindings.add(mine);
    }

    private static boolean overlap(String a, String b) {
      return a.equals(b) || Addresses.isWildcard(a) || Addresses.isWildcard(b);
    }
  }
}
