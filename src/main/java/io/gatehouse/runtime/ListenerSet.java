package io.gatehouse.runtime;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;
import io.gatehouse.listener.HttpListener;
import io.gatehouse.listener.ListenerServices;
import io.gatehouse.listener.ListenerSettings;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.listener.TcpListener;
import io.gatehouse.listener.UdpListener;
import io.gatehouse.vertx.Contexts;
import io.gatehouse.vertx.SharedServers;
import io.gatehouse.vertx.VertxTransports;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The deployed listeners by name, and those still draining after a reload removed or replaced them. Runtime
 * context only. The writer publishes a view after each change it makes; {@code changed} is told when a
 * draining listener is gone, which happens later, on its own.
 */
final class ListenerSet {

  private static final Logger LOG = Logger.getLogger(ListenerSet.class.getName());

  private final Vertx vertx;
  /** UDP listeners' Vert.x: {@link #vertx}, or one on epoll beside it when that runs on io_uring; made when needed. */
  private Future<Vertx> datagrams;
  private final ListenerServices services;
  private final Runnable changed;
  private final Map<String, RunningListener> running = new LinkedHashMap<>();
  private final List<RunningListener> draining = new ArrayList<>();
  private boolean warnedQueueMigration;

  ListenerSet(Vertx vertx, ListenerServices services, Runnable changed) {
    this.vertx = vertx;
    this.services = services;
    this.changed = changed;
  }

  Vertx vertx() {
    return vertx;
  }

  /** The Vert.x UDP listeners run on (the main one until a UDP listener needs another). */
  Vertx datagramVertx() {
    return datagrams == null || !datagrams.succeeded() ? vertx : datagrams.result();
  }

  RunningListener get(String name) {
    return running.get(name);
  }

  Collection<RunningListener> all() {
    return Collections.unmodifiableCollection(running.values());
  }

  /**
   * Deploys one listener's instances (one per event loop; UDP: one) and starts watching its certificates. With a
   * {@code holder}, a running listener holds the same port: the new instances bind a socket of their own next to
   * it (SO_REUSEPORT) rather than join it, so that the port never goes dark. Fails with a {@link BindException}
   * when the port cannot be bound; nothing is left deployed then.
   */
  Future<RunningListener> deploy(ListenerSettings settings, GatehouseConfig c, RunningListener holder) {
    boolean beside = holder != null;
    ListenerConfig l = settings.config();
    ListenerState state = new ListenerState(settings);
    Supplier<Deployable> instance = switch (l.protocol()) {
      case TCP, SSL -> () -> new TcpListener(state, services);
      case UDP -> () -> new UdpListener(state, services);
      case HTTP, HTTPS, QUIC -> () -> new HttpListener(state, services);
    };
    boolean udp = l.protocol().isUdp(); // one socket, one instance: QUIC packets of a connection must meet it
    if (!beside) {
      try {
        PortProbe.requireFree(l);
      } catch (IOException | RuntimeException e) {
        return Future.failedFuture(new BindException(l.name(), e));
      }
    }
    // a UDP socket is Netty's own, outside Vert.x's table: SO_REUSEPORT alone lets it bind beside
    SharedServers.Handover handover = beside && !udp ? SharedServers.handOver(vertx, l.host(), l.protocolPort()) : null;
    boolean datagram = l.protocol() == ListenerProtocol.UDP;
    return (datagram ? datagrams(c) : Future.succeededFuture(vertx))
        .compose(on -> on.deployVerticle(instance,
            new DeploymentOptions().setInstances(udp ? 1 : c.node().eventLoops())))
        .recover(e -> {
          if (handover != null) {
            handover.restore();
          }
          return Future.failedFuture(new BindException(l.name(), e));
        })
        .map(id -> {
          if (handover != null) {
            handover.bound();
            warnOnceWithoutQueueMigration();
          }
          LOG.info("listener " + l.name() + ": " + l.protocol() + " on " + l.host() + ":" + l.protocolPort()
              + " -> pool " + l.defaultPoolsText() + (beside ? " (bound beside the listener it replaces)" : ""));
          RunningListener r = new RunningListener(state, datagram ? datagramVertx() : vertx, id, handover,
              udp ? holder : null);
          r.watchCertificates(vertx, c.reload().scanPeriodMs());
          r.stapleOcsp(vertx);
          return r;
        });
  }

  /**
   * Linux resets the connections still queued on a listening socket when it closes, unless
   * net.ipv4.tcp_migrate_req (5.14+) hands them to another socket of its SO_REUSEPORT group: said once.
   */
  private void warnOnceWithoutQueueMigration() {
    if (warnedQueueMigration) {
      return;
    }
    warnedQueueMigration = true;
    vertx.executeBlocking(() -> Files.readString(Path.of("/proc/sys/net/ipv4/tcp_migrate_req")).trim())
        .onSuccess(value -> {
          if (!"1".equals(value)) {
            LOG.info("net.ipv4.tcp_migrate_req is " + value + ": a connection the kernel has queued on a replaced"
                + " listener's socket as it closes is reset; 1 hands such connections to the new socket");
          }
        });
  }

  private void swapIn(RunningListener r) {
    RunningListener old = running.put(r.name(), r);
    if (old != null) {
      retire(old);
    }
  }

  /** A listener removed by a reload drains. */
  void remove(String name) {
    RunningListener r = running.remove(name);
    if (r != null) {
      retire(r);
    }
  }

  /** Undeploys a listener that was never swapped in (its version was refused). */
  Future<Void> discard(RunningListener r) {
    return r.leavePort().eventually(r::drain);
  }

  /**
   * Makes the listeners of a new version running, each replacing its namesake, which drains: listeners bound
   * beside another on their port first close that one's listening socket, so that no connection is accepted by
   * a listener about to drain. Completes when every one is swapped in.
   */
  Future<Void> swapIn(Collection<RunningListener> bound) {
    List<Future<?>> taken = new ArrayList<>();
    bound.forEach(r -> taken.add(r.takeOverPort()
        .recover(e -> {
          LOG.warning("listener " + r.name() + ": the old socket did not close: " + e.getMessage());
          return Future.succeededFuture();
        })));
    // sockets close on their own event loops: the swap goes on on the Runtime's context (the caller's)
    Promise<Void> done = Contexts.promise(vertx.getOrCreateContext());
    Future.all(taken).onComplete(v -> done.complete());
    return done.future().onComplete(v -> bound.forEach(this::swapIn));
  }

  /** A listener leaves the configuration: it drains in the background and is listed as DRAINING meanwhile. */
  private void retire(RunningListener r) {
    draining.add(r);
    r.drain().onComplete(v -> {
      draining.remove(r);
      changed.run();
    });
  }

  /** Every running listener's certificates watched anew, every {@code periodMs} (0: not at all). */
  void watchCertificates(long periodMs) {
    running.values().forEach(r -> r.watchCertificates(vertx, periodMs));
  }

  /** Once a second: every listener forgets clients gone quiet. */
  void sweepClients() {
    running.values().forEach(r -> r.state().sweepClients());
  }

  /** Stops accepting everywhere at once; completes when every listener has drained. */
  Future<Void> drainAll() {
    List<Future<?>> stopped = new ArrayList<>();
    running.values().forEach(r -> stopped.add(r.drain()));
    return Future.all(stopped).eventually(() -> datagramVertx() == vertx ? Future.succeededFuture()
        : datagramVertx().close()).mapEmpty();
  }

  private Future<Vertx> datagrams(GatehouseConfig c) {
    if (datagrams == null) {
      if (!VertxTransports.IO_URING.equals(VertxTransports.nativeName(vertx))) {
        datagrams = Future.succeededFuture(vertx);
      } else {
        // made on a thread of its own: Vert.x warns when one is made on a Vert.x thread; done back on this context
        Promise<Vertx> made = Contexts.promise(vertx.getOrCreateContext());
        Thread maker = new Thread(() -> {
          try {
            made.complete(VertxTransports.forDatagrams(vertx, c.node().eventLoops()));
          } catch (RuntimeException e) {
            made.fail(e);
          }
        }, "gatehouse-udp-vertx");
        maker.start();
        datagrams = made.future().onSuccess(v -> LOG.info("UDP listeners run on " + VertxTransports.nativeName(v)
            + " (io_uring keeps about 400 KB per UDP session socket)"));
      }
    }
    return datagrams;
  }

  /** The running listeners' states in configuration order, for the view. */
  Map<String, ListenerState> inOrder(GatehouseConfig config) {
    Map<String, ListenerState> out = new LinkedHashMap<>();
    for (ListenerConfig lc : config.listeners()) { // not the order binds completed in
      RunningListener r = running.get(lc.name());
      if (r != null) {
        out.put(lc.name(), r.state());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  List<ListenerState> drainingStates() {
    return draining.stream().map(RunningListener::state).toList();
  }
}
