package io.gatehouse.runtime;

import io.gatehouse.config.Cidr;
import io.gatehouse.config.MemberConfig;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Turns member addresses into socket addresses. IP literals map directly and {@code localhost} is 127.0.0.1;
 * host names are resolved by {@link #refresh} (off the event loops, at load and every 30 s) and read from the
 * cache here, so that no connection ever waits on DNS. An unresolvable member has no address and is not usable.
 */
public final class MemberResolver {

  private static final Logger LOG = Logger.getLogger(MemberResolver.class.getName());

  private final Map<String, String> resolved = new ConcurrentHashMap<>();
  private final Map<String, Boolean> failing = new ConcurrentHashMap<>();

  public SocketAddress resolve(MemberConfig m) {
    String ip = literal(m.address());
    if (ip == null) {
      ip = resolved.get(m.address());
    }
    return ip == null ? null : SocketAddress.inetSocketAddress(m.protocolPort(), ip);
  }

  /** Blocking: resolves every host name among {@code members}. Returns true when any address changed. */
  public boolean refresh(Iterable<MemberConfig> members) {
    boolean changed = false;
    for (MemberConfig m : members) {
      String host = m.address();
      if (literal(host) != null) {
        continue;
      }
      try {
        String ip = InetAddress.getByName(host).getHostAddress();
        changed |= !ip.equals(resolved.put(host, ip));
        failing.remove(host);
      } catch (UnknownHostException e) {
        changed |= resolved.remove(host) != null;
        if (failing.put(host, true) == null) {
          LOG.warning("member " + m.id() + ": cannot resolve " + host + "; not usable until it resolves");
        }
      }
    }
    return changed;
  }

  private static String literal(String address) {
    if ("localhost".equalsIgnoreCase(address)) {
      return "127.0.0.1";
    }
    return Cidr.isIpLiteral(address) ? address : null;
  }
}
