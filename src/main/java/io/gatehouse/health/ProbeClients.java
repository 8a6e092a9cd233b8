package io.gatehouse.health;

import io.gatehouse.config.HealthMonitorConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.pool.Pool;
import io.gatehouse.tls.MemberTls;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.function.Supplier;

/**
 * The clients every probe of a gateway shares. Probes open a fresh connection each time (no keep-alive), since
 * opening one is part of what they test. HTTPS checks a member's certificate as the pool's live traffic does
 * ({@code ca_certificate}, {@code tls_server_name}); without a CA it trusts any, like cloud load balancers.
 */
public final class ProbeClients {

  private final Vertx vertx;
  private final NetClient net;
  private final HttpClient http;
  /** HTTP/2 only: h2c with prior knowledge, or TLS with ALPN; GRPC probes open their own connection with it. */
  private final HttpClientAgent grpc;

  public ProbeClients(Vertx vertx) {
    this.vertx = vertx;
    this.net = vertx.createNetClient(new NetClientOptions());
    this.http = vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(false).setTrustAll(true).setVerifyHost(false));
    this.grpc = vertx.createHttpClient(new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false).setUseAlpn(true)
        .setTrustAll(true).setVerifyHost(false));
  }

  Probe probe(HealthMonitorConfig monitor, Pool pool) {
    return switch (monitor.type()) {
      case TCP -> new TcpProbe(net);
      case HTTP, HTTPS -> new HttpProbe(vertx, http, monitor, pool::memberTls);
      case UDP_CONNECT -> new UdpConnectProbe(vertx);
      // TLS exactly when the pool speaks TLS to its members; every other pool that takes a GRPC monitor, h2c
      case GRPC -> grpcProbe(monitor.grpcServiceName(), pool.config().protocol() == PoolProtocol.HTTPS,
          pool::memberTls);
    };
  }

  Probe grpcProbe(String serviceName, boolean tls, Supplier<MemberTls> memberTls) {
    return new GrpcProbe(vertx, grpc, serviceName, tls, memberTls);
  }
}
