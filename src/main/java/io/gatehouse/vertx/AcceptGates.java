package io.gatehouse.vertx;

import io.gatehouse.log.LogThrottle;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServerOptions;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link AcceptGate}s of one Vert.x instance's listening sockets. Vert.x has no hook ahead of its TLS
 * handler, so the transports of {@link VertxTransports} put a handler on each listening socket's own pipeline,
 * ahead of Netty's acceptor, when the socket binds: it sees every accepted connection first. Which gate a socket
 * gets is looked up by its address at bind time, so a listener registers its gate before it listens; a listener
 * replaced on its port registers its own before binding beside the old socket, which keeps the old gate.
 */
public final class AcceptGates {

  private static final Logger LOG = Logger.getLogger(AcceptGates.class.getName());

  private final Map<String, AcceptGate> byAddress = new ConcurrentHashMap<>();

  AcceptGates() {}

  /** Sockets bound on {@code host:port} from now on ask {@code gate}; false when this Vert.x has no gates. */
  public static boolean register(Vertx vertx, String host, int port, AcceptGate gate) {
    AcceptGates gates = of(vertx);
    if (gates == null) {
      return false;
    }
    gates.byAddress.put(key(host, port), gate);
    return true;
  }

  /** Forgets {@code gate} unless another has been registered for the address since. */
  public static void unregister(Vertx vertx, String host, int port, AcceptGate gate) {
    AcceptGates gates = of(vertx);
    if (gates != null) {
      gates.byAddress.remove(key(host, port), gate);
    }
  }

  /** The gates of a Vert.x built by {@link VertxTransports}, else null (connections then reach Vert.x unasked). */
  private static AcceptGates of(Vertx vertx) {
    return ((VertxInternal) vertx).transport() instanceof GatedTransport t ? t.gates() : null;
  }

  /** The transport is configuring a listening socket about to bind: it gets the gate registered for its address. */
  void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
    ChannelHandler gatekeeper = gatekeeper(options, domainSocket);
    if (gatekeeper != null) {
      bootstrap.handler(gatekeeper);
    }
  }

  /** The handler that asks the gate registered for the listening socket's address, or null when there is none. */
  ChannelHandler gatekeeper(NetServerOptions options, boolean domainSocket) {
    AcceptGate gate = domainSocket ? null : byAddress.get(key(options.getHost(), options.getPort()));
    return gate == null ? null : new Gatekeeper(gate);
  }

  private static String key(String host, int port) {
    return host + ' ' + port;
  }

  /** A transport whose listening sockets get their gates. */
  interface GatedTransport {
    AcceptGates gates();
  }

  /** On a listening socket's pipeline: accepted connections arrive here as messages, ahead of the acceptor. */
  @ChannelHandler.Sharable
  private static final class Gatekeeper extends ChannelInboundHandlerAdapter {
    private final AcceptGate gate;
    private final LogThrottle acceptFailures = new LogThrottle();

    Gatekeeper(AcceptGate gate) {
      this.gate = gate;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Channel accepted = (Channel) msg;
      boolean admitted;
      try {
        admitted = gate.admit(accepted);
      } catch (RuntimeException e) {
        // e.g. a connection reset before it was asked about: it has no address any more
        LOG.log(Level.FINE, "accept gate failed, connection closed", e);
        admitted = false;
      }
      if (admitted) {
        ctx.fireChannelRead(accepted);
      } else {
        refuse(accepted);
      }
    }

    /**
     * A failed accept: out of file descriptors (EMFILE, ENFILE) or kernel memory. The transport tries again at once
     * (io_uring's multishot accept re-arms whatever the acceptor's pause says), and Netty's pipeline would log each
     * try: hundreds of thousands of lines in seconds, which fill the disk while the process is out of descriptors.
     * One line per 10 s with the count says the same.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!(cause instanceof IOException)) {
        ctx.fireExceptionCaught(cause);
        return;
      }
      long failures = acceptFailures.due();
      if (failures > 0) {
        LOG.warning("listening socket " + ctx.channel().localAddress() + ": " + failures + " accept(s) failed since"
            + " the last such line: " + cause.getMessage() + " (out of file descriptors: raise `ulimit -n`, or set"
            + " connection_limit)");
      }
    }

    /**
     * Closes a connection that was never registered: a FIN and no byte, as a refusal always was here. (Unread
     * bytes the client already sent make the kernel send a reset instead.)
     */
    private static void refuse(Channel accepted) {
      accepted.unsafe().closeForcibly();
    }
  }
}
