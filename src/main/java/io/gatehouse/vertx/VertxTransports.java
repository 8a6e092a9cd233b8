package io.gatehouse.vertx;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.impl.transports.IoUringTransport;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.impl.transports.TransportInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import java.net.StandardSocketOptions;
import java.util.List;
import java.util.Map;

/**
 * The Vert.x builder for a gateway's instance. Its transport (native io_uring where the kernel allows it, else
 * native epoll, when native is preferred; else the JDK's NIO) puts the {@link AcceptGates} on every listening socket, so that a refused client is closed at
 * accept, before any TLS work. On native epoll Vert.x applies {@code reusePort} itself; its JDK NIO transport
 * ignores it, so ours sets SO_REUSEPORT on listening sockets (Linux has it for NIO sockets too): a listener
 * replaced on its port binds beside the old socket on either transport.
 */
public final class VertxTransports {

  /** {@code -Dgatehouse.transport.epoll=true}: epoll even where io_uring is available. */
  public static final String EPOLL_PROPERTY = "gatehouse.transport.epoll";
  public static final String IO_URING = "io_uring";
  static final String EPOLL = "epoll";

  /**
   * Netty's multishot POLL_ADD is edge-triggered, and an edge that comes while a receive is in flight is spent on
   * it: a member's reset right behind its last bytes went unseen until something else woke the channel (11 s late
   * under load in 6 runs of 24 of HttpFaultsTest, on Netty 4.2.18 too; none in 50 with one-shot polls, which look
   * at the socket afresh each time they are armed). Netty reads it once, when its {@code IoUring} class loads.
   */
  static final String POLL_ADD_MULTISHOT_PROPERTY = "io.netty.iouring.pollAddMultishotEnabled";

  static {
    oneShotPolls();
  }

  private VertxTransports() {}

  /**
   * Asks Netty for one-shot POLL_ADD, unless the JVM was started with the property: call it before anything loads
   * Netty's io_uring classes ({@code Main} does, first). Without one-shot polls the gateway runs on epoll.
   */
  public static void oneShotPolls() {
    if (System.getProperty(POLL_ADD_MULTISHOT_PROPERTY) == null) {
      System.setProperty(POLL_ADD_MULTISHOT_PROPERTY, "false");
    }
  }

  /** io_uring loads and polls one shot at a time. */
  private static boolean ioUringUsable() {
    return IoUring.isAvailable() && !IoUring.isPollAddMultishotEnabled();
  }

  /** A builder with {@code options}; the JDK NIO transport (with SO_REUSEPORT) unless native is preferred. */
  public static VertxBuilder builder(VertxOptions options) {
    VertxBuilder builder = Vertx.builder().with(options);
    // chosen here rather than by Vert.x, which would fall back to its own NIO transport, without the gates
    if (options.getPreferNativeTransport() && !Boolean.getBoolean(EPOLL_PROPERTY) && ioUringUsable()) {
      return builder.withTransport(new TransportInternal(IO_URING, true, null, new GatedIoUring()));
    }
    return options.getPreferNativeTransport() && Epoll.isAvailable()
        ? builder.withTransport(new TransportInternal(EPOLL, true, null, new GatedEpoll()))
        : builder.withTransport(new TransportInternal("nio", true, null, new ReusePortNio()));
  }

  /**
   * The Vert.x for UDP listeners beside {@code main}: {@code main} itself, or where it runs on io_uring, a second
   * one on epoll (NIO where epoll is missing) with {@code eventLoops} loops, made here. Netty's io_uring datagram
   * channel keeps 512 message headers and a posted 64 KB receive buffer per socket, about 400 KB for each UDP
   * session's member socket (epoll: about 1 KB), and each one's set-up slows the listener's loop: 10,000 sessions
   * would take 4 GB. The caller closes a Vert.x made here.
   */
  public static Vertx forDatagrams(Vertx main, int eventLoops) {
    if (!IO_URING.equals(nativeName(main))) {
      return main;
    }
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1)
        .setInternalBlockingPoolSize(1).setPreferNativeTransport(true);
    VertxBuilder builder = Vertx.builder().with(options);
    return (Epoll.isAvailable() ? builder.withTransport(new TransportInternal(EPOLL, true, null, new GatedEpoll()))
        : builder.withTransport(new TransportInternal("nio", true, null, new ReusePortNio()))).build();
  }

  /** The native transport a gateway runs on ({@value #IO_URING} or {@value #EPOLL}), or null on JDK NIO. */
  public static String nativeName(Vertx vertx) {
    if (!vertx.isNativeTransportEnabled()) {
      return null;
    }
    return ((VertxInternal) vertx).transport() instanceof GatedIoUring ? IO_URING : EPOLL;
  }

  /** Why neither native transport is used where one was preferred, else null. */
  public static Throwable nativeUnavailableCause() {
    return Epoll.unavailabilityCause();
  }

  /** Why io_uring is not used, for the start log, or null when it is usable. */
  public static Throwable ioUringUnavailableCause() {
    if (IoUring.isAvailable() && IoUring.isPollAddMultishotEnabled()) {
      return new IllegalStateException(POLL_ADD_MULTISHOT_PROPERTY + " is true: multishot polls can miss a reset");
    }
    return IoUring.unavailabilityCause();
  }

  /**
   * Vert.x's io_uring transport plus the accept gates. Preferred to epoll where the kernel allows it: a new
   * connection or a request costs fewer system calls (submissions and completions share a ring instead of
   * epoll_ctl, epoll_wait and a read or write call each), measured in bench/NOTES.md.
   */
  private static final class GatedIoUring extends IoUringTransport implements AcceptGates.GatedTransport {
    private final AcceptGates gates = new AcceptGates();

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      super.configure(options, domainSocket, bootstrap);
      dropRestatedUringDefaults(bootstrap);
      bootstrap.handler(UringCloseGuard.onListening(gates.gatekeeper(options, domainSocket)));
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      ChannelFactory<? extends Channel> channels = super.channelFactory(domainSocket);
      return () -> UringCloseGuard.guard(channels.newChannel());
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      super.configure(options, connectTimeout, domainSocket, bootstrap);
      restatedDefaults(bootstrap.config().options(), URING_RESTATED_DEFAULTS).forEach(o -> bootstrap.option(o, null));
    }

    @Override
    public AcceptGates gates() {
      return gates;
    }
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

  /** The same on io_uring, whose transport restates them as epoll's does, under its own option names. */
  private static final Map<ChannelOption<?>, Object> URING_RESTATED_DEFAULTS = Map.of(
      ChannelOption.TCP_NODELAY, true,
      IoUringChannelOption.TCP_USER_TIMEOUT, 0,
      IoUringChannelOption.TCP_CORK, false,
      IoUringChannelOption.TCP_QUICKACK, false);

  /**
   * Vert.x's epoll transport sets TCP_NODELAY, TCP_USER_TIMEOUT, TCP_QUICKACK and TCP_CORK on every socket it
   * accepts or opens, whatever their values: a setsockopt each, per connection. Those that restate what the socket
   * has are dropped (four system calls of the ~24 a proxied request on a new connection made); what differs is set.
   */
  static void dropRestatedDefaults(ServerBootstrap bootstrap) {
    restatedDefaults(bootstrap.config().childOptions()).forEach(o -> bootstrap.childOption(o, null));
  }

  /** {@link #dropRestatedDefaults} for Vert.x's io_uring transport. */
  static void dropRestatedUringDefaults(ServerBootstrap bootstrap) {
    restatedDefaults(bootstrap.config().childOptions(), URING_RESTATED_DEFAULTS)
        .forEach(o -> bootstrap.childOption(o, null));
  }

  /** Which of {@code set} only restate a new epoll socket's state. */
  static List<ChannelOption<Object>> restatedDefaults(Map<ChannelOption<?>, Object> set) {
    return restatedDefaults(set, RESTATED_DEFAULTS);
  }

  @SuppressWarnings("unchecked")
  private static List<ChannelOption<Object>> restatedDefaults(Map<ChannelOption<?>, Object> set,
      Map<ChannelOption<?>, Object> defaults) {
    return defaults.entrySet().stream().filter(d -> d.getValue().equals(set.get(d.getKey())))
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
