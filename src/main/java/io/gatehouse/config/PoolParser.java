package io.gatehouse.config;

import io.gatehouse.config.PoolConfig.LbAlgorithm;
import io.gatehouse.config.SessionPersistence.Type;
import io.gatehouse.pem.CertificateCheck;
import io.vertx.core.json.JsonArray;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One {@code pools[]} entry with its session persistence, health monitor, slow start, outlier detection and
 * members, and the deregistration delay of its draining members.
 */
final class PoolParser {
  /** RFC 6265 cookie-name: an RFC 2616 token. */
  private static final Pattern COOKIE_TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

  /** An hour, as AWS allows: a drain is for maintenance, not a way to keep a member half-alive for days. */
  private static final long MAX_DEREGISTRATION_DELAY = 3600;

  private PoolParser() {}

  static PoolConfig parse(ObjectReader r, Path baseDir) {
    String name = r.requiredString("name");
    PoolProtocol protocol = r.requiredEnum("protocol", PoolProtocol.class);
    LbAlgorithm algorithm = r.enumValue("lb_algorithm", LbAlgorithm.class, LbAlgorithm.ROUND_ROBIN);
    ObjectReader sp = r.object("session_persistence");
    ObjectReader hm = r.object("health_monitor");
    ObjectReader ss = r.object("slow_start");
    ObjectReader od = r.object("outlier_detection");
    if (!r.has("members")) {
      r.error("members", "is required");
    }
    return new PoolConfig(name, protocol, algorithm,
        sp == null ? null : sessionPersistence(sp, protocol),
        hm == null ? null : HealthMonitorParser.parse(hm, protocol),
        ss == null ? null : new SlowStart(ss.bool("enable", false), ss.secondsIn("duration", 30, 1200,
            Duration.ofSeconds(30))),
        od == null ? OutlierDetection.DEFAULT : outlierDetection(od),
        members(r),
        memberTls(r, protocol, baseDir),
        r.secondsIn("deregistration_delay", 0, MAX_DEREGISTRATION_DELAY, null));
  }

  /**
   * {@code ca_certificate} and {@code tls_server_name}, HTTPS pools only. Without a CA the members are not
   * verified, as before these fields existed: a warning says so.
   */
  private static MemberTlsConfig memberTls(ObjectReader r, PoolProtocol protocol, Path baseDir) {
    if (protocol != null && protocol != PoolProtocol.HTTPS) {
      r.refuse("ca_certificate", "only HTTPS pools take ca_certificate");
      r.refuse("tls_server_name", "only HTTPS pools take tls_server_name");
      r.refuse("alpn_protocols", protocol == PoolProtocol.HTTP2
          ? "only HTTPS pools take alpn_protocols (an HTTP2 pool speaks HTTP/2 without TLS, without a negotiation)"
          : "only HTTPS pools take alpn_protocols");
      return MemberTlsConfig.NONE;
    }
    Path ca = ConfigFiles.file(r, "ca_certificate", baseDir);
    if (ca != null) {
      String problem = CertificateCheck.caProblem(ca);
      if (problem != null) {
        r.error("ca_certificate", problem);
      } else {
        CertificateCheck.caSurprises(ca, java.time.Instant.now())
            .forEach(line -> r.problems().warn(r.pathOf("ca_certificate"), line));
      }
    } else if (protocol == PoolProtocol.HTTPS && !r.has("ca_certificate")) {
      r.problems().warn(r.path(), "HTTPS pool without ca_certificate: any member certificate is accepted, so "
          + "whoever can intercept the path to a member can read and change its traffic");
    }
    String name = r.string("tls_server_name");
    if (name != null && (!Addresses.isHostName(name) || Addresses.isIpLiteral(name))) {
      // SNI carries names only; without tls_server_name the member's address is what is verified
      r.error("tls_server_name", "must be a host name");
      name = null;
    }
    List<String> alpn = alpnProtocols(r);
    return ca == null && name == null && alpn.isEmpty() ? MemberTlsConfig.NONE : new MemberTlsConfig(ca, name, alpn);
  }

  /** {@code alpn_protocols}: "h2" and "http/1.1", in the order of preference, each once; absent: no ALPN. */
  private static List<String> alpnProtocols(ObjectReader r) {
    JsonArray list = r.list("alpn_protocols");
    List<String> out = new ArrayList<>();
    if (list == null) {
      return out;
    }
    if (list.isEmpty()) {
      r.error("alpn_protocols", "must name at least one of \"h2\", \"http/1.1\" (or be left out: HTTP/1.1)");
    }
    for (int i = 0; i < list.size(); i++) {
      String at = JsonPath.index(r.pathOf("alpn_protocols"), i);
      Object v = list.getValue(i);
      if (!MemberTlsConfig.H2.equals(v) && !MemberTlsConfig.HTTP_1_1.equals(v)) {
        r.problems().error(at, "must be \"h2\" or \"http/1.1\"");
      } else if (out.contains(v)) {
        r.problems().error(at, v + " is listed twice");
      } else {
        out.add((String) v);
      }
    }
    return out;
  }

  private static OutlierDetection outlierDetection(ObjectReader r) {
    OutlierDetection d = OutlierDetection.DEFAULT;
    return new OutlierDetection(r.bool("enabled", d.enabled()),
        r.intIn("consecutive_failures", 1, 100, d.consecutiveFailures()),
        r.secondsIn("base_ejection_time", 1, 3600, d.baseEjectionTime()));
  }

  private static SessionPersistence sessionPersistence(ObjectReader r, PoolProtocol pool) {
    Type type = r.requiredEnum("type", Type.class);
    boolean cookie = type == Type.HTTP_COOKIE || type == Type.APP_COOKIE;
    if (cookie && pool != null && !pool.isHttp()) {
      r.error("type", type + " needs an HTTP, HTTPS or HTTP2 pool");
    }
    String cookieName = null;
    if (type == Type.APP_COOKIE) {
      cookieName = r.requiredString("cookie_name");
      if (cookieName != null && !COOKIE_TOKEN.matcher(cookieName).matches()) {
        r.error("cookie_name", "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)");
      }
    } else if (type != null) {
      r.refuse("cookie_name", "only APP_COOKIE takes a cookie_name");
    } else {
      r.accept("cookie_name");
    }
    int maxMinutes = type == Type.SOURCE_IP ? 60 : 1440;
    int minutes = r.intIn("persistence_timeout", 1, maxMinutes, type == Type.SOURCE_IP ? 20 : 1440);
    return new SessionPersistence(type, cookieName, Duration.ofMinutes(minutes));
  }

  private static List<MemberConfig> members(ObjectReader pool) {
    List<MemberConfig> members = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (ObjectReader r : pool.objects("members")) {
      if (r == null) {
        continue;
      }
      String address = r.requiredString("address");
      if (address != null && !Addresses.isIpLiteral(address) && !Addresses.isHostName(address)) {
        r.error("address", "must be an IP address or host name");
        address = null;
      }
      int port = r.requiredIntIn("protocol_port", 1, 65535);
      MemberConfig m = new MemberConfig(address, port, r.intIn("weight", 0, 100, 1), r.bool("admin_state_up", true));
      if (address != null && port > 0) {
        String first = seen.putIfAbsent(Addresses.canonical(address) + ":" + port, r.path());
        if (first != null) {
          pool.problems().error(r.path(), "member " + m.id() + " is already listed at " + first);
        }
      }
      members.add(m);
    }
    return members;
  }
}
