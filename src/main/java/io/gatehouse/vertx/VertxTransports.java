package io.gatehouse.vertx;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.impl.transports.TransportInternal;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import java.net.StandardSocketOptions;
import java.util.List;
import java.util.Map;

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
      dropRestatedDefaults(bootstrap);
      gates.configure(options, domainSocket, bootstrap);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      super.configure(options, connectTimeout, domainSocket, bootstrap);
      restatedDefaults(bootstrap.config().options()).forEach(o -> bootstrap.option(o, null));
    }

    @Override
    public AcceptGates gates() {
      return gates;
    }
  }

  /**
   * What a new epoll socket has already: Netty turns TCP_NODELAY on as it makes the channel, and TCP_USER_TIMEOUT 0
   * and TCP_CORK off are the kernel's own. TCP_QUICKACK off is not quite: it asks for delayed ACKs from the first
   * segment, where the kernel starts in quick-ACK mode and adapts, as it does under HAProxy and nginx.
   */
  private static final Map<ChannelOption<?>, Object> RESTATED_DEFAULTS = Map.of(
      ChannelOption.TCP_NODELAY, true,
      EpollChannelOption.TCP_USER_TIMEOUT, 0,
      EpollChannelOption.TCP_CORK, false,
      EpollChannelOption.TCP_QUICKACK, false);

  /**
   * Vert.x's epoll transport sets TCP_NODELAY, TCP_USER_TIMEOUT, TCP_QUICKACK and TCP_CORK on every socket it
   * accepts or opens, whatever their values: a setsockopt each, per connection. Those that restate what the socket
   * has are dropped (four system calls of the ~24 a proxied request on a new connection made); what differs is set.
   */
  static void dropRestatedDefaults(ServerBootstrap bootstrap) {
    restatedDefaults(bootstrap.config().childOptions()).forEach(o -> bootstrap.childOption(o, null));
  }

  /** Which of {@code set} only restate a new socket's state. */
  @SuppressWarnings("unchecked")
  static List<ChannelOption<Object>> restatedDefaults(Map<ChannelOption<?>, Object> set) {
    return RESTATED_DEFAULTS.entrySet().stream().filter(d -> d.getValue().equals(set.get(d.getKey())))
        .map(d -> (ChannelOption<Object>) d.getKey()).toList();
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
