package io.gatehouse.runtime;

import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.TlsConfig;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

/** Placeholder until the tls module lands: the main pair only. */
final class ListenerTls {
  private ListenerTls() {}

  static void apply(NetServerOptions options, ListenerConfig listener) {
    TlsConfig tls = listener.tls();
    options.setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(tls.main().certificate().toString())
        .setKeyPath(tls.main().privateKey().toString()));
  }
}
