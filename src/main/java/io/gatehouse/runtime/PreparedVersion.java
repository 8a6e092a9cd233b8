package io.gatehouse.runtime;

import io.gatehouse.config.ConfigDiff;
import io.gatehouse.config.ConfigResult;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.ListenerConfig;
import io.gatehouse.config.PoolConfig;
import io.gatehouse.config.PoolProtocol;
import io.gatehouse.tls.MemberTls;
import io.gatehouse.tls.ServerTls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed version and what applying it needs from blocking work, done on a worker thread: its diff against the
 * running version, member host names resolved, and the TLS files of new and replaced listeners, and of those
 * whose {@code tls} object changed, read and checked. A TLS file that cannot be used refuses the version here, before anything changes.
 */
record PreparedVersion(ConfigResult result, ConfigDiff diff, Map<String, ServerTls> tls,
    Map<String, MemberTls> memberTls) {

  /** Blocking. {@code running}: what runs now (at start-up, the same settings without listeners or pools). */
  static PreparedVersion of(ConfigResult r, GatehouseConfig running, MemberResolver resolver) {
    if (!r.ok()) {
      return new PreparedVersion(r, null, Map.of(), Map.of());
    }
    ConfigDiff diff = ConfigDiff.between(running, r.config());
    resolver.refresh(PoolSet.allMembers(r.config()));
    if (r.config().listeners().stream().anyMatch(l -> l.protocol().isHttp())) {
      // the first call loads the native TLS library and builds a context (seconds on a busy machine): here, on a
      // worker, not in an HTTP listener's start on an event loop that may already serve TCP traffic
      MemberTls.insecure();
    }
    List<ListenerConfig> tlsToLoad = new ArrayList<>(diff.addedListeners());
    tlsToLoad.addAll(diff.replacedListeners());
    for (ListenerConfig l : diff.changedInPlace()) {
      if (!Objects.equals(running.listener(l.name()).map(ListenerConfig::tls).orElse(null), l.tls())) {
        tlsToLoad.add(l); // only where the tls object changed: other in-place changes keep the served files
      }
    }
    Map<String, ServerTls> tls = new HashMap<>();
    for (ListenerConfig l : tlsToLoad) {
      if (l.tls() != null) {
        tls.put(l.name(), ServerTls.load(l.tls(), l.clientTimeout()));
      }
    }
    return new PreparedVersion(r, diff, tls, memberTls(r.config()));
  }

  /**
   * Every HTTPS pool's member TLS settings, CA files read again: also for a reload of an unchanged file, so that
   * a replaced CA file takes effect on reload ({@link PoolSet#useMemberTls} keeps the ones that did not change).
   */
  static Map<String, MemberTls> memberTls(GatehouseConfig c) {
    Map<String, MemberTls> out = new HashMap<>();
    for (PoolConfig p : c.pools()) {
      if (p.protocol() == PoolProtocol.HTTPS) {
        try {
          out.put(p.name(), MemberTls.load(p.memberTls()));
        } catch (IllegalArgumentException e) {
          // the file changed since the parse checked it
          throw new IllegalArgumentException("pool " + p.name() + ": ca_certificate: " + e.getMessage());
        }
      }
    }
    return out;
  }

  GatehouseConfig config() {
    return result.config();
  }

  /** The version's starting point: its own settings with no listeners and no pools, so that all are added. */
  static GatehouseConfig nothingOf(GatehouseConfig c) {
    return new GatehouseConfig(c.node(), c.admin(), c.cluster(), c.reload(), c.drainTimeout(), c.accessLog(),
        List.of(), List.of(), c.sessionKey(), c.log());
  }
}
