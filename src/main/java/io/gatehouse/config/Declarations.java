package io.gatehouse.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pool and listener names a document declares, with their protocols (null when the protocol itself is
 * wrong), found before the full walk so that references can be checked wherever they appear.
 */
final class Declarations {
  private final Map<String, PoolProtocol> pools = new HashMap<>();
  private final Map<String, ListenerProtocol> listeners = new HashMap<>();

  static Declarations scan(List<ObjectReader> pools, List<ObjectReader> listeners) {
    Declarations d = new Declarations();
    // the first of two same-named entries is the one references mean; the second is reported as a duplicate
    for (ObjectReader p : pools) {
      if (p != null && p.raw("name") instanceof String name && !d.pools.containsKey(name)) {
        d.pools.put(name, p.raw("protocol") instanceof String s ? enumOrNull(PoolProtocol.class, s) : null);
      }
    }
    for (ObjectReader l : listeners) {
      if (l != null && l.raw("name") instanceof String name && !d.listeners.containsKey(name)) {
        d.listeners.put(name, l.raw("protocol") instanceof String s ? ListenerParser.protocol(s).orElse(null) : null);
      }
    }
    return d;
  }

  /** Reports a pool name that is not declared or whose protocol cannot serve the listener. */
  void checkPool(ObjectReader r, String field, String pool, ListenerProtocol listener) {
    if (pool == null) {
      return;
    }
    if (!pools.containsKey(pool)) {
      r.error(field, "no pool named \"" + pool + "\"");
      return;
    }
    PoolProtocol protocol = pools.get(pool);
    if (protocol != null && listener != null && !protocol.serves(listener)) {
      r.error(field, "pool \"" + pool + "\" has protocol " + protocol + ", which a " + listener
          + " listener cannot use");
    }
  }

  /** Reports a listener name that is not declared, is the referring listener itself, or is not HTTP(S). */
  void checkHttpListener(ObjectReader r, String field, String target, String self) {
    if (target == null) {
      return;
    }
    if (!listeners.containsKey(target)) {
      r.error(field, "no listener named \"" + target + "\"");
    } else if (target.equals(self)) {
      r.error(field, "must name another listener");
    } else {
      ListenerProtocol protocol = listeners.get(target);
      if (protocol != null && !protocol.isHttp()) {
        r.error(field, "listener \"" + target + "\" has protocol " + protocol + ", not HTTP or HTTPS");
      }
    }
  }

  /** Reports an {@code advertise_http3} that does not name a QUIC listener. */
  void checkQuicListener(ObjectReader r, String field, String target) {
    if (!listeners.containsKey(target)) {
      r.error(field, "no listener named \"" + target + "\"");
    } else if (listeners.get(target) != null && listeners.get(target) != ListenerProtocol.QUIC) {
      r.error(field, "listener \"" + target + "\" has protocol " + listeners.get(target) + ", not QUIC");
    }
  }

  private static <E extends Enum<E>> E enumOrNull(Class<E> type, String name) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(name)) {
        return e;
      }
    }
    return null;
  }
}
