package io.gatehouse.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What changes between a running configuration and the next one, by listener and pool name. Listeners whose
 * socket must change (host, port, protocol, HTTP/2, TLS on or off, tls.engine, and {@code max_header_size} where HTTP/2 is on,
 * see {@link ListenerConfig#needsNewSocket}) are replaced; every other listener change is applied in place. Changed pools are always updated in place (their members keep counters, health and sticky
 * entries). Top-level settings that only a restart applies are listed so that the reload can say so.
 */
public record ConfigDiff(
    List<ListenerConfig> addedListeners,
    List<ListenerConfig> removedListeners,
    List<ListenerConfig> changedInPlace,
    List<ListenerConfig> replacedListeners,
    List<PoolConfig> addedPools,
    List<PoolConfig> removedPools,
    List<PoolConfig> changedPools,
    List<String> needRestart) {

  public static ConfigDiff between(GatehouseConfig from, GatehouseConfig to) {
    List<ListenerConfig> added = new ArrayList<>();
    List<ListenerConfig> inPlace = new ArrayList<>();
    List<ListenerConfig> replaced = new ArrayList<>();
    for (ListenerConfig l : to.listeners()) {
      ListenerConfig old = from.listener(l.name()).orElse(null);
      if (old == null) {
        added.add(l);
      } else if (old.needsNewSocket(l)) {
        replaced.add(l);
      } else if (!old.equals(l)) {
        inPlace.add(l);
      }
    }
    List<ListenerConfig> removed = from.listeners().stream()
        .filter(l -> to.listener(l.name()).isEmpty()).toList();

    List<PoolConfig> addedPools = new ArrayList<>();
    List<PoolConfig> changedPools = new ArrayList<>();
    for (PoolConfig p : to.pools()) {
      PoolConfig old = from.pool(p.name()).orElse(null);
      if (old == null) {
        addedPools.add(p);
      } else if (!old.equals(p)) {
        changedPools.add(p);
      }
    }
    List<PoolConfig> removedPools = from.pools().stream().filter(p -> to.pool(p.name()).isEmpty()).toList();

    List<String> restart = new ArrayList<>();
    if (!from.admin().sameServer(to.admin())) {
      restart.add("admin");
    }
    if (from.node().eventLoops() != to.node().eventLoops()) {
      restart.add("node.event_loops");
    }
    if (!Objects.equals(from.node().name(), to.node().name())) {
      restart.add("node.name");
    }
    if (!from.cluster().sameMembership(to.cluster())) {
      restart.add("cluster");
    }
    if (from.rsaSigner() != to.rsaSigner()) {
      restart.add("tls_rsa_signer");
    }
    return new ConfigDiff(added, removed, inPlace, replaced, addedPools, removedPools, changedPools, restart);
  }

  public boolean isEmpty() {
    return addedListeners.isEmpty() && removedListeners.isEmpty() && changedInPlace.isEmpty()
        && replacedListeners.isEmpty() && addedPools.isEmpty() && removedPools.isEmpty()
        && changedPools.isEmpty();
  }

  /** One line for the log, e.g. {@code listeners +1 -0 ~2 replaced 0; pools +0 -1 ~1}. */
  public String summary() {
    return "listeners +" + addedListeners.size() + " -" + removedListeners.size() + " ~" + changedInPlace.size()
        + " replaced " + replacedListeners.size() + "; pools +" + addedPools.size() + " -" + removedPools.size()
        + " ~" + changedPools.size();
  }
}
