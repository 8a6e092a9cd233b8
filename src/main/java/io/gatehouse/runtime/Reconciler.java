package io.gatehouse.runtime;

import io.gatehouse.config.ConfigDiff;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.ListenerProtocol;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.http.L7Router;
import io.gatehouse.listener.ListenerSettings;
import io.gatehouse.listener.ListenerState;
import io.gatehouse.log.AccessLog;
import io.gatehouse.log.Logs;
import io.gatehouse.tls.ServerTls;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Applies a valid version as ordered steps under one failure rule: every step that can fail runs first (new
 * pools, which nothing references yet; binds of new and replaced listeners, a replacement on its own port bound
 * beside the old socket, last; TLS settings changed in place), then the swaps that cannot fail. If a step fails, what
 * was prepared is released, the running version goes on untouched and the version is refused with the failed
 * step's line. A listener replaced on its port closes the old listening socket before the old listener drains,
 * so that every connection made after the apply reaches the new version. Start-up is the same apply, from nothing.
 * Runtime context only.
 */
final class Reconciler {

  private static final Logger LOG = Logger.getLogger(Reconciler.class.getName());

  private final PoolSet pools;
  private final ListenerSet listeners;
  private final AccessLog accessLog;

  Reconciler(PoolSet pools, ListenerSet listeners, AccessLog accessLog) {
    this.pools = pools;
    this.listeners = listeners;
    this.accessLog = accessLog;
  }

  /** What the fallible steps produced; released if any of them failed. */
  private static final class Prepared {
    final Map<String, RunningListener> bound = new LinkedHashMap<>();
    /** Listeners whose TLS changed in place, with the settings to go back to. */
    final Map<ListenerState, ServerTls> tlsBefore = new LinkedHashMap<>();
  }

  /** Applies {@code p} over what runs; completes with the lines that refused it, empty when applied. */
  Future<List<String>> apply(PreparedVersion p) {
    GatehouseConfig next = p.config();
    ConfigDiff diff = p.diff();
    Prepared prepared = new Prepared();
    diff.addedPools().forEach(pc -> pools.add(pc, p.memberTls().get(pc.name())));
    // ordered by what a step exposes before the version is applied: a listener bound beside a running one takes
    // connections from the moment it binds, so those binds come last, when nothing else can fail but another one
    return bind(p, prepared, false)
        .compose(v -> changeTls(p, next, prepared))
        .compose(v -> bind(p, prepared, true))
        .transform(ar -> {
          if (ar.failed()) {
            release(diff, prepared);
            return Future.succeededFuture(List.of(ar.cause().getMessage()));
          }
          return commit(p, prepared).map(v -> List.<String>of());
        });
  }

  /**
   * Binds new and replaced listeners: those on a port of their own, or ({@code beside}) those whose port a running
   * listener holds (this one's old self, or one this version removes), beside that one's socket.
   */
  private Future<Void> bind(PreparedVersion p, Prepared prepared, boolean beside) {
    GatehouseConfig next = p.config();
    List<ListenerConfig> toBind = new ArrayList<>(p.diff().addedListeners());
    toBind.addAll(p.diff().replacedListeners());
    List<Future<?>> binds = new ArrayList<>();
    for (ListenerConfig l : toBind) {
      RunningListener holder = listeners.all().stream().filter(old -> samePort(old.state().config(), l))
          .findFirst().orElse(null);
      if ((holder != null) != beside) {
        continue;
      }
      ListenerSettings settings = new ListenerSettings(l, router(l, next), p.tls().get(l.name()));
      binds.add(listeners.deploy(settings, next, holder).onSuccess(r -> prepared.bound.put(l.name(), r)));
    }
    return Future.join(binds).mapEmpty();
  }

  /**
   * New TLS settings for listeners changed in place, on every instance, one listener after the other; the first
   * refusal stops the apply (the ones done are put back by {@link #release}).
   */
  private Future<Void> changeTls(PreparedVersion p, GatehouseConfig next, Prepared prepared) {
    Future<Void> chain = Future.succeededFuture();
    for (ListenerConfig l : p.diff().changedInPlace()) {
      ServerTls tls = p.tls().get(l.name());
      if (tls == null) {
        continue;
      }
      ListenerState state = listeners.get(l.name()).state();
      chain = chain.compose(v -> {
        prepared.tlsBefore.put(state, state.tls());
        return state.updateTls(tls).recover(e -> Future.failedFuture(
            "config error: $.listeners[" + next.listeners().indexOf(l) + "].tls: cannot be applied: " + e.getMessage()));
      });
    }
    return chain;
  }

  /** Undoes what the fallible steps did: the running version serves on as before. */
  private void release(ConfigDiff diff, Prepared prepared) {
    prepared.bound.values().forEach(listeners::discard);
    prepared.tlsBefore.forEach((state, before) -> state.updateTls(before)
        .onFailure(e -> LOG.warning("listener " + state.name() + ": TLS settings not restored: " + e.getMessage())));
    diff.addedPools().forEach(pc -> pools.remove(pc.name()));
  }

  /** The swaps, which cannot fail: pools, listener settings, listeners replaced and removed, top-level settings. */
  private Future<Void> commit(PreparedVersion p, Prepared prepared) {
    GatehouseConfig next = p.config();
    ConfigDiff diff = p.diff();
    diff.changedPools().forEach(pools::update);
    pools.useMemberTls(p.memberTls());
    for (ListenerConfig l : diff.changedInPlace()) {
      RunningListener r = listeners.get(l.name());
      r.state().update(new ListenerSettings(l, router(l, next, r), r.state().tls()));
      if (p.tls().containsKey(l.name())) {
        r.watchCertificates(listeners.vertx(), next.reload().scanPeriodMs());
      }
    }
    // redirect_listener targets may have moved: every other HTTP listener gets its policies compiled anew
    for (RunningListener r : listeners.all()) {
      ListenerConfig l = next.listener(r.name()).orElse(null);
      if (l != null && l.protocol().isHttp() && !prepared.bound.containsKey(l.name())
          && !diff.changedInPlace().contains(l)) {
        r.state().update(new ListenerSettings(l, router(l, next, r), r.state().tls()));
      }
    }
    return listeners.swapIn(prepared.bound.values()).onComplete(v -> {
      diff.removedListeners().forEach(l -> listeners.remove(l.name()));
      accessLog.setEnabled(next.accessLog());
      accessLog.setFormat(next.log().accessFormat());
      Logs.apply(next.log());
      for (PoolConfig pc : diff.removedPools()) {
        pools.remove(pc.name()); // after the listeners that named it
      }
    });
  }

  private static L7Router router(ListenerConfig l, GatehouseConfig c) {
    return L7Router.compile(l, c); // L4 listeners: their default pool or split
  }

  /** The router of a listener that stays, going on with the rotations of the splits it keeps as they were. */
  private static L7Router router(ListenerConfig l, GatehouseConfig c, RunningListener running) {
    return L7Router.compile(l, c, running.state().settings().router());
  }

  /** The same socket address and transport: the new listener's socket would share the holder's port. */
  private static boolean samePort(ListenerConfig a, ListenerConfig b) {
    return a.protocolPort() == b.protocolPort() && a.host().equals(b.host())
        && a.protocol().isUdp() == b.protocol().isUdp();
  }
}
