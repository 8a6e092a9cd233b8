package io.gatehouse.health;

import io.gatehouse.config.HealthMonitorConfig;
import io.gatehouse.pool.Pool;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * The clients every probe of a gateway shares. Probes open a fresh connection each time (no keep-alive), since
 * opening one is part of what they test. HTTPS checks a member's certificate as the pool's live traffic does
 * ({@code ca_certificate}, {@code tls_server_name}); without a CA it trusts any, like cloud load balancers.
 */
public final class ProbeClients {

  private final Vertx vertx;
  private final NetClient net;
  private final HttpClient http;

  public ProbeClients(Vertx vertx) {
    this.vertx = vertx;
    this.net = vertx.createNetClient(new NetClientOptions());
    this.http = vertx.createHttpClient(new HttpClientOptions()
        .setKeepAlive(false).setTrustAll(true).setVerifyHost(false));
  }

  Probe probe(HealthMonitorConfig monitor, Pool pool) {
    return switch (monitor.type()) {
      case TCP -> new TcpProbe(net);
      case HTTP, HTTPS -> new HttpProbe(vertx, http, monitor, pool::memberTls);
      case UDP_CONNECT -> new UdpConnectProbe(vertx);
    };
  }
}
