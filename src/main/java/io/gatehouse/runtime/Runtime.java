package io.gatehouse.runtime;

import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.MemberConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.listener.TcpListener;
import io.gatehouse.listener.UdpListener;
import io.gatehouse.log.AccessLog;
import io.gatehouse.pool.Pool;
import io.gatehouse.pool.PoolRegistry;
import io.gatehouse.session.StickyTable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The one writer of the gateway's state. Every control-plane change runs on this verticle's context, one at a
 * time: building pools, deploying listeners, re-resolving member host names, sweeping sticky tables, draining.
 * Listeners and pools are read lock-free from the event loops.
 */
public final class Runtime extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(Runtime.class.getName());
  private static final int MAX_STICKY_ENTRIES = 1_000_000;
  private static final long RESOLVE_PERIOD_MS = 30_000;

  private final PoolRegistry pools = new PoolRegistry();
  private final MemberResolver resolver = new MemberResolver();
  private final Map<String, RunningListener> listeners = new LinkedHashMap<>();
  private final AccessLog accessLog;
  private GatehouseConfig config;

  /** A deployed listener: its shared state and the deployment of its instances. */
  public record RunningListener(ListenerState state, String deploymentId) {}

  public Runtime(GatehouseConfig config, AccessLog accessLog) {
    this.config = config;
    this.accessLog = accessLog;
  }

  public GatehouseConfig current() {
    return config;
  }

  public PoolRegistry pools() {
    return pools;
  }

  public Map<String, RunningListener> listeners() {
    return listeners;
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(() -> resolver.refresh(allMembers(config)))
        .compose(v -> {
          config.pools().forEach(this::addPool);
          List<Future<?>> started = new ArrayList<>();
          for (ListenerConfig l : config.listeners()) {
            started.add(deploy(l));
          }
          return Future.all(started);
        })
        .onSuccess(v -> {
          vertx.setPeriodic(RESOLVE_PERIOD_MS, id -> refreshAddresses());
          vertx.setPeriodic(1000, id -> tick());
        });
  }

  private void addPool(PoolConfig pc) {
    pools.put(new Pool(pc, StickyTable.local(MAX_STICKY_ENTRIES), resolver::resolve));
  }

  private Future<String> deploy(ListenerConfig l) {
    ListenerState state = new ListenerState(l);
    Supplier<Deployable> instance;
    int instances;
    switch (l.protocol()) {
      case TCP, SSL -> {
        instance = () -> new TcpListener(state, pools, accessLog, ListenerTls::apply);
        instances = config.node().eventLoops();
      }
      case UDP -> {
        instance = () -> new UdpListener(state, pools, accessLog);
        instances = 1;
      }
      default -> {
        LOG.warning("listener " + l.name() + ": protocol " + l.protocol() + " is not served yet");
        return Future.succeededFuture("");
      }
    }
    return vertx.deployVerticle(instance, new DeploymentOptions().setInstances(instances))
        .recover(e -> Future.failedFuture(new BindException(l.name(), e)))
        .onSuccess(id -> {
          listeners.put(l.name(), new RunningListener(state, id));
          LOG.info("listener " + l.name() + ": " + l.protocol() + " on " + l.host() + ":" + l.protocolPort()
              + " -> pool " + l.defaultPool());
        });
  }

  /** Once a second: slow-start ramps and expired sticky entries. */
  private void tick() {
    for (Pool p : pools.all()) {
      if (p.snapshot().rampingUp()) {
        p.rebuild();
      }
      p.sticky().sweep();
    }
  }

  private void refreshAddresses() {
    vertx.executeBlocking(() -> resolver.refresh(allMembers(config))).onSuccess(changed -> {
      if (changed) {
        pools.all().forEach(p -> p.apply(p.config(), resolver::resolve));
      }
    });
  }

  private static List<MemberConfig> allMembers(GatehouseConfig c) {
    return c.pools().stream().flatMap(p -> p.members().stream()).toList();
  }

  /**
   * Stops accepting on every listener, waits up to drain_timeout for open connections and sessions to end,
   * then closes what is left.
   */
  public Future<Void> drain() {
    listeners.values().forEach(r -> r.state().startDraining());
    List<Future<?>> stopped = new ArrayList<>();
    for (RunningListener r : listeners.values()) {
      stopped.add(vertx.undeploy(r.deploymentId()));
    }
    return Future.all(stopped).mapEmpty();
  }

  /** A listener whose port could not be bound: the contract's {@code bind error: listener <name>: <reason>}. */
  public static final class BindException extends RuntimeException {
    public BindException(String listener, Throwable cause) {
      super("bind error: listener " + listener + ": " + cause.getMessage(), cause);
    }
  }
}
