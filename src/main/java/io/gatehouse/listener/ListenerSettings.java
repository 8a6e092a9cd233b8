package io.gatehouse.listener;

import io.gatehouse.config.HeadLimits;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.http.L7Router;
import io.gatehouse.pool.Pool;
import io.gatehouse.tls.ServerTls;
import java.util.function.Function;

/**
 * Everything one configuration version says about a listener, published as one immutable value: a connection
 * or request reads it once, so that it never pairs one version's settings with the next one's policies.
 *
 * @param router the compiled forwarding policies (HTTP and HTTPS; TCP, SSL and UDP: the default pool or split only)
 * @param tls the TLS settings in force (SSL and HTTPS: replaced certificate files included), else null
 */
public record ListenerSettings(ListenerConfig config, L7Router router, ServerTls tls) {

  public String name() {
    return config.name();
  }

  /** The head size and header count limits of HTTP connections. */
  public HeadLimits limits() {
    return config.headLimits();
  }

  /** The pool of a new L4 connection or session from {@code clientIp}: the default pool, or the split's choice. */
  public String poolFor(Function<String, Pool> pools, String clientIp) {
    return router == null ? config.defaultPool() : router.connectionPool(pools, clientIp);
  }

  public ListenerSettings withTls(ServerTls next) {
    return new ListenerSettings(config, router, next);
  }
}
