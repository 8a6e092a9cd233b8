package io.gatehouse.health;

import io.gatehouse.tls.MemberTls;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

/** Where an HTTP or gRPC probe connects, and with which TLS checks: the pool's {@link MemberTls}, read per probe. */
final class ProbeConnectOptions {

  private ProbeConnectOptions() {}

  /**
   * Points {@code options} at {@code target}, over TLS when {@code tls}. Returns the TLS checks applied (null
   * without TLS): their host is what TLS sends as SNI and verifies, so the caller sets the Host or
   * {@code :authority} it means to send. A pool without {@code ca_certificate} leaves the client's own options:
   * any certificate.
   */
  static MemberTls apply(HttpConnectOptions options, SocketAddress target, Duration timeout, boolean tls,
      Supplier<MemberTls> memberTls) {
    options.setServer(target).setHost(target.hostAddress()).setPort(target.port()).setSsl(tls)
        .setConnectTimeout(timeout.toMillis());
    MemberTls checks = tls ? memberTls.get() : null;
    if (checks != null) {
      options.setHost(checks.peerHost(target.hostAddress()));
      if (checks.verifies()) {
        options.setSslOptions(checks.probeOptions());
      }
    }
    return checks;
  }

  /** The member's {@code address:port} as an authority: an IPv6 address in brackets ({@code [::1]:50051}). */
  static HostAndPort memberAuthority(SocketAddress target) {
    String host = target.hostAddress();
    return HostAndPort.create(host.indexOf(':') >= 0 ? "[" + host + "]" : host, target.port());
  }
}
