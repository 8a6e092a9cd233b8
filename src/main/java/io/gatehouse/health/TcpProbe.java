package io.gatehouse.health;

import io.gatehouse.tls.MemberTlsFailure;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;

/** {@code TCP}: the member is up when a connection opens within the timeout; it is closed at once. */
final class TcpProbe implements Probe {

  private final NetClient client;

  TcpProbe(NetClient client) {
    this.client = client;
  }

  @Override
  public Future<ProbeResult> run(SocketAddress target, Duration timeout) {
    return client.connect(new ConnectOptions().setRemoteAddress(target).setTimeout((int) timeout.toMillis()))
        .map(so -> {
          so.close();
          return ProbeResult.up("connected");
        })
        .otherwise(e -> connectFailure(e, timeout));
  }

  /**
   * The contract's reasons: {@code connect refused}, {@code timeout after 3 s}, {@code tls <reason>} (see
   * {@link MemberTlsFailure}), else the error itself.
   */
  static ProbeResult connectFailure(Throwable e, Duration timeout) {
    if (e instanceof ConnectTimeoutException) {
      return ProbeResult.timedOut(timeout);
    }
    String tls = MemberTlsFailure.reason(e);
    if (tls != null) {
      return ProbeResult.tlsFailed(tls);
    }
    String message = String.valueOf(e.getMessage());
    return ProbeResult.down(message.contains("refused") ? "connect refused" : "connect failed: " + message);
  }
}
