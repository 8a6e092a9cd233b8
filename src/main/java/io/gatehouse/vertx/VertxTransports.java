package io.gatehouse.vertx;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.nio.NioChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.impl.transports.TransportInternal;
import io.vertx.core.net.NetServerOptions;
import java.net.StandardSocketOptions;

/**
 * The Vert.x builder for a gateway's instance. Its transport (native epoll when preferred and available, else
 * the JDK's NIO) puts the {@link AcceptGates} on every listening socket, so that a refused client is closed at
 * accept, before any TLS work. On native epoll Vert.x applies {@code reusePort} itself; its JDK NIO transport
 * ignores it, so ours sets SO_REUSEPORT on listening sockets (Linux has it for NIO sockets too): a listener
 * replaced on its port binds beside the old socket on either transport.
 */
public final class VertxTransports {

  private VertxTransports() {}

  /** A builder with {@code options}; the JDK NIO transport (with SO_REUSEPORT) unless native is preferred. */
  public static VertxBuilder builder(VertxOptions options) {
    VertxBuilder builder = Vertx.builder().with(options);
    // chosen here rather than by Vert.x, which would fall back to its own NIO transport, without the gates
    return options.getPreferNativeTransport() && Epoll.isAvailable()
        ? builder.withTransport(new TransportInternal("epoll", true, null, new GatedEpoll()))
        : builder.withTransport(new TransportInternal("nio", true, null, new ReusePortNio()));
  }

  /** Why the native transport is not used where it was preferred, else null. */
  public static Throwable nativeUnavailableCause() {
    return Epoll.unavailabilityCause();
  }

  /** Vert.x's epoll transport plus the accept gates. */
  private static final class GatedEpoll extends EpollTransport implements AcceptGates.GatedTransport {
    private final AcceptGates gates = new AcceptGates();

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      super.configure(options, domainSocket, bootstrap);
      gates.configure(options, domainSocket, bootstrap);
    }

    @Override
    public AcceptGates gates() {
      return gates;
    }
  }

  /** Vert.x's NIO transport plus SO_REUSEPORT on listening sockets whose options ask for it, and the gates. */
  private static final class ReusePortNio extends NioTransport implements AcceptGates.GatedTransport {
    private final AcceptGates gates = new AcceptGates();

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      super.configure(options, domainSocket, bootstrap);
      if (!domainSocket && options.isReusePort()) {
        bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
      }
      gates.configure(options, domainSocket, bootstrap);
    }

    @Override
    public AcceptGates gates() {
      return gates;
    }
  }
}
