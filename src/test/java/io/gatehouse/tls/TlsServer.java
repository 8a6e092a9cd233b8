package io.gatehouse.tls;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.config.TlsConfig.CertPair;
import io.gatehouse.config.TlsPolicyName;
import io.gatehouse.testkit.TestCerts;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Vert.x NetServer on 127.0.0.1 with {@link ServerTls} applied and an echo handler, for the tests. */
record TlsServer(NetServer server, ServerTls tls) implements AutoCloseable {

  static {
    LegacyProtocols.enable();
  }

  static TlsConfig config(TlsPolicyName policy) {
    return new TlsConfig(new CertPair(TestCerts.RSA_CERT, TestCerts.RSA_KEY), List.of(), policy, null);
  }

  static TlsConfig config(Path cert, Path key, List<CertPair> sni, TlsPolicyName policy, Path clientCa) {
    return new TlsConfig(new CertPair(cert, key), sni, policy, clientCa);
  }

  static TlsServer start(Vertx vertx, TlsConfig config, TlsEngine engine, Duration handshakeTimeout)
      throws Exception {
    ServerTls tls = ServerTls.load(config, handshakeTimeout, engine);
    NetServer server = vertx.createNetServer(tls.applyTo(new NetServerOptions().setHost("127.0.0.1").setPort(0)))
        .connectHandler(socket -> socket.handler(socket::write));
    server.listen().await(10, TimeUnit.SECONDS);
    return new TlsServer(server, tls);
  }

  static TlsServer start(Vertx vertx, TlsConfig config, TlsEngine engine) throws Exception {
    return start(vertx, config, engine, Duration.ofSeconds(10));
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
