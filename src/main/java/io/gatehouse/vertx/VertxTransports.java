package io.gatehouse.vertx;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.socket.nio.NioChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.impl.transports.TransportInternal;
import io.vertx.core.net.NetServerOptions;
import java.net.StandardSocketOptions;

/**
 * The Vert.x builder for a gateway's instance. On native epoll Vert.x applies {@code reusePort} itself; its JDK
 * NIO transport ignores it, so where NIO is chosen it gets a transport that sets SO_REUSEPORT on listening
 * sockets (Linux has it for NIO sockets too): a listener replaced on its port binds beside the old socket on
 * either transport.
 */
public final class VertxTransports {

  private VertxTransports() {}

  /** A builder with {@code options}; the JDK NIO transport (with SO_REUSEPORT) unless native is preferred. */
  public static VertxBuilder builder(VertxOptions options) {
    VertxBuilder builder = Vertx.builder().with(options);
    return options.getPreferNativeTransport() ? builder
        : builder.withTransport(new TransportInternal("nio", true, null, new ReusePortNio()));
  }

  /** Vert.x's NIO transport plus SO_REUSEPORT on listening sockets whose options ask for it. */
  private static final class ReusePortNio extends NioTransport {
    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      super.configure(options, domainSocket, bootstrap);
      if (!domainSocket && options.isReusePort()) {
        bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
      }
    }
  }
}
