package io.gatehouse.config;

import io.gatehouse.config.HealthMonitorConfig.Type;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A pool's {@code health_monitor} object, checked against the pool's protocol. */
final class HealthMonitorParser {
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH");
  private static final List<String> HTTP_FIELDS = List.of("url_path", "http_method", "domain_name", "expected_codes");
  private static final long MAX_SECONDS = 86_400;

  private HealthMonitorParser() {}

  static HealthMonitorConfig parse(ObjectReader r, PoolProtocol pool) {
    Type type = r.requiredEnum("type", Type.class);
    checkFitsPool(r, type, pool);
    Duration delay = r.positiveSeconds("delay", MAX_SECONDS, Duration.ofSeconds(5));
    Duration timeout = r.positiveSeconds("timeout", MAX_SECONDS, Duration.ofSeconds(3));
    if (timeout.compareTo(delay) > 0) {
      r.error("timeout", "must not exceed delay");
    }
    int maxRetries = r.intIn("max_retries", 1, 10, 3);
    int maxRetriesDown = r.intIn("max_retries_down", 1, 10, 3);
    int monitorPort = r.intIn("monitor_port", 1, 65535, 0);
    boolean http = type == Type.HTTP || type == Type.HTTPS;
    if (type != null && !http) {
      HTTP_FIELDS.forEach(f -> r.ignore(f, "used only by HTTP and HTTPS monitors"));
    }
    if (type != null && type != Type.GRPC) {
      r.ignore("grpc_service_name", "used only by GRPC monitors");
    }
    String grpcServiceName = r.string("grpc_service_name", "");
    String urlPath = r.string("url_path", "/");
    if (!urlPath.startsWith("/")) {
      r.error("url_path", "must start with \"/\"");
    }
    String method = r.oneOf("http_method", m -> Optional.of(m).filter(METHODS::contains),
        String.join(", ", METHODS), "GET");
    String domain = r.string("domain_name");
    if (domain != null && !Addresses.isHostName(domain)) {
      r.error("domain_name", "must be a host name");
    }
    return new HealthMonitorConfig(type, delay, timeout, maxRetries, maxRetriesDown, monitorPort, urlPath, method,
        domain, expectedCodes(r), grpcServiceName);
  }

  private static void checkFitsPool(ObjectReader r, Type type, PoolProtocol pool) {
    if (type == null || pool == null) {
      return;
    }
    if (type == Type.UDP_CONNECT && pool != PoolProtocol.UDP) {
      r.error("type", "UDP_CONNECT monitors only UDP pools");
    } else if (pool == PoolProtocol.UDP && (type == Type.HTTPS || type == Type.GRPC)) {
      r.error("type", "a UDP pool takes only UDP_CONNECT, TCP or HTTP monitors");
    }
  }

  /** {@code "200"}, {@code "200,202"}, {@code "200-399"}; a bare JSON integer reads as its text. */
  private static ExpectedCodes expectedCodes(ObjectReader r) {
    ExpectedCodes dflt = ExpectedCodes.parse("200").orElseThrow();
    if (!r.has("expected_codes")) {
      return dflt;
    }
    Object raw = r.raw("expected_codes");
    String text = raw instanceof Integer || raw instanceof Long ? raw.toString() : r.string("expected_codes");
    if (text == null) {
      return dflt;
    }
    Optional<ExpectedCodes> codes = ExpectedCodes.parse(text);
    if (codes.isEmpty()) {
      r.error("expected_codes", "must be codes 100-599 like 200, 200,202 or 200-399");
    }
    return codes.orElse(dflt);
  }
}
