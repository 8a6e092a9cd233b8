package io.gatehouse.health;

import io.gatehouse.config.HealthMonitorConfig;
import io.gatehouse.tls.MemberTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * {@code HTTP}/{@code HTTPS}: one request on a fresh connection ({@code http_method}, {@code url_path}, Host =
 * {@code domain_name} or the member address); up when the status is among {@code expected_codes}. HTTPS checks
 * the member's certificate with the pool's {@link MemberTls} at each probe (a reload may have changed it); a pool
 * without {@code ca_certificate} accepts any, as cloud load balancers do.
 */
final class HttpProbe implements Probe {

  private final Vertx vertx;
  private final HttpClient client;
  private final HealthMonitorConfig monitor;
  private final boolean tls;
  private final Supplier<MemberTls> memberTls;

  HttpProbe(Vertx vertx, HttpClient client, HealthMonitorConfig monitor, Supplier<MemberTls> memberTls) {
    this.vertx = vertx;
    this.client = client;
    this.monitor = monitor;
    this.memberTls = memberTls;
    this.tls = monitor.type() == HealthMonitorConfig.Type.HTTPS;
  }

  @Override
  public Future<ProbeResult> run(SocketAddress target, Duration timeout) {
    ProbeDeadline deadline = new ProbeDeadline(vertx, timeout);
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.valueOf(monitor.httpMethod())).setURI(monitor.urlPath());
    // with TLS, the Host header stays as before: domain_name, else the member address
    MemberTls checks = ProbeConnectOptions.apply(options, target, timeout, tls, memberTls);
    client.request(options)
        .compose(req -> {
          deadline.onTimeout(req::reset);
          if (monitor.domainName() != null) {
            req.authority(HostAndPort.authority(monitor.domainName()));
          } else if (checks != null) {
            req.authority(ProbeConnectOptions.memberAuthority(target)); // [v6]:port, as a Host header must be
          }
          return req.send();
        })
        .compose(resp -> {
          int code = resp.statusCode();
          resp.handler(ignoredBody -> { }); // the status is all a probe needs
          return resp.end().map(new ProbeResult(monitor.expectedCodes().matches(code), "HTTP " + code));
        })
        .otherwise(e -> TcpProbe.connectFailure(e, timeout))
        .onSuccess(deadline::complete);
    return deadline.future();
  }
}
